// Host side of the report webview: one panel per analysed file, a strict CSP, validated messages,
// and a replay of the report so far whenever a page (re)loads (panels hidden without
// retainContextWhenHidden lose their page, and messages posted meanwhile are lost).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { toJson } from '../engine/json';
import { parseWebviewMessage, type HostToWebview, type WebviewToHost } from '../protocol';
import { makeNonce, panelHtml } from '../../webview/panelHtml';

export class ReportPanel {
  static readonly viewType = 'rmtLens.report';
  private static readonly panels = new Map<string, ReportPanel>();

  private readonly history = new ReportHistory();
  /** A host-requested selection not yet delivered (not replayed: the page remembers the user's own). */
  private pendingSelection: HostToWebview | undefined;
  private ready = false;
  private disposed = false;
  private readonly received = new vscode.EventEmitter<WebviewToHost>();
  private readonly disposables: vscode.Disposable[] = [];

  /** Messages from the page that passed validation. */
  readonly onDidReceiveMessage = this.received.event;

  /** Whether a panel (a report panel or the custom editor) shows this file. */
  static has(fileUri: vscode.Uri): boolean {
    return ReportPanel.panels.has(fileUri.toString());
  }

  /** Reveals the panel of this file (a report panel or its custom editor), or creates one. */
  static show(context: vscode.ExtensionContext, fileUri: vscode.Uri): ReportPanel {
    const existing = ReportPanel.panels.get(fileUri.toString());
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      ReportPanel.viewType,
      `RMT Lens — ${basename(fileUri)}`,
      vscode.ViewColumn.Active,
      { ...webviewOptions(context.extensionUri), enableFindWidget: true },
    );
    return ReportPanel.register(new ReportPanel(panel, context.extensionUri, fileUri));
  }

  /**
   * The report page inside a panel VS Code created (resolveCustomEditor of the read-only custom
   * editor). While it is open, `show` for the same file returns it, so an analysis streams into it.
   * Post {type:'plan'} to show the layer table from the header; the page answers {type:'analyze'}.
   */
  static attach(
    context: vscode.ExtensionContext,
    panel: vscode.WebviewPanel,
    fileUri: vscode.Uri,
  ): ReportPanel {
    panel.webview.options = webviewOptions(context.extensionUri);
    return ReportPanel.register(new ReportPanel(panel, context.extensionUri, fileUri));
  }

  private static register(report: ReportPanel): ReportPanel {
    const key = report.fileUri.toString();
    ReportPanel.panels.set(key, report);
    report.onDidDispose(() => {
      if (ReportPanel.panels.get(key) === report) ReportPanel.panels.delete(key);
    });
    return report;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    readonly fileUri: vscode.Uri,
  ) {
    const webview = panel.webview;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce((n) => randomBytes(n)),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'report.css')).toString(),
      title: panel.title,
    });
    this.disposables.push(
      this.received,
      webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidChangeViewState(() => {
        // A hidden panel has no page; it posts 'ready' again when shown.
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => {
        this.disposed = true;
        this.disposables.forEach((d) => d.dispose());
      }),
    );
  }

  /** Sends a message to the page, or keeps it until the page is ready; a no-op once the panel is closed. */
  post(message: HostToWebview): void {
    if (this.disposed) return;
    if (message.type === 'selectLayer') {
      this.pendingSelection = message;
      if (this.ready) this.flushSelection();
      return;
    }
    this.history.record(message);
    if (this.ready) this.send(message);
  }

  onDidDispose(listener: () => void): vscode.Disposable {
    return this.panel.onDidDispose(listener);
  }

  private receive(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (!message) return;
    if (message.type === 'ready') {
      this.ready = true;
      for (const m of this.history.messages()) this.send(m);
      this.flushSelection();
    } else if (message.type === 'exportChart') {
      void this.saveChart(message);
    }
    this.received.fire(message);
  }

  private flushSelection(): void {
    if (this.pendingSelection) this.send(this.pendingSelection);
    this.pendingSelection = undefined;
  }

  private send(message: HostToWebview): void {
    // JSON has no NaN/±∞: encode them as "NaN"/"Infinity"/"-Infinity" strings, which the page reads back.
    void this.panel.webview.postMessage(JSON.parse(toJson(message, 0)));
  }

  private async saveChart(message: Extract<WebviewToHost, { type: 'exportChart' }>): Promise<void> {
    const fileName = `${safeFileName(`${basename(this.fileUri).replace(/\.[^.]+$/, '')}-${message.name}`)}.${message.format}`;
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(this.fileUri, '..', fileName),
      filters: message.format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
      saveLabel: 'Export chart',
      title: `Export ${message.name} as ${message.format.toUpperCase()}`,
    });
    if (!target) return;
    const bytes =
      message.format === 'svg'
        ? Buffer.from(message.data, 'utf8')
        : Buffer.from(message.data.slice(message.data.indexOf(',') + 1), 'base64');
    try {
      await vscode.workspace.fs.writeFile(target, bytes);
      vscode.window.setStatusBarMessage(`RMT Lens: saved ${basename(target)}`, 5000);
    } catch (error) {
      void vscode.window.showErrorMessage(
        `RMT Lens: could not save ${target.fsPath}: ${(error as Error).message}`,
      );
    }
  }
}

/**
 * What a freshly loaded page needs to show the report so far, kept short: after 'done' only
 * 'begin' and 'done' (the model report holds every layer), only the latest 'progress', and only
 * the latest comparison and baseline (a new analysis drops the baseline, which derives from it).
 */
class ReportHistory {
  private log: HostToWebview[] = [];

  record(message: HostToWebview): void {
    const keep = (...types: HostToWebview['type'][]) => this.log.filter((m) => types.includes(m.type));
    switch (message.type) {
      case 'begin':
      case 'plan':
        this.log = [message, ...keep('comparison')];
        break;
      case 'done':
        this.log = [...keep('begin', 'comparison', 'baseline'), message];
        break;
      case 'progress':
      case 'baseline':
      case 'comparison':
        this.log = [...this.log.filter((m) => m.type !== message.type), message];
        break;
      default:
        this.log.push(message);
    }
  }

  messages(): readonly HostToWebview[] {
    return this.log;
  }
}

/** Scripts on; local files from media/ and dist/ only. */
function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'media'),
      vscode.Uri.joinPath(extensionUri, 'dist'),
    ],
  };
}

function basename(uri: vscode.Uri): string {
  return uri.path.split('/').pop() ?? uri.path;
}

function safeFileName(name: string): string {
  return (
    name
      .replace(/[^\w.-]+/g, '_')
      .replace(/^[_.]+/, '')
      .slice(0, 120) || 'chart'
  );
}
