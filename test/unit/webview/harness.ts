// Drives the built report page (dist/webview.js) in headless Chromium, inside the same HTML and CSP
// the panel serves, with a stub acquireVsCodeApi that records what the page posts.
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml } from '../../../webview/panelHtml';
import type { HostToWebview, WebviewToHost } from '../../../src/protocol';
import { repoRoot } from '../paths';
import { asJson } from './reports';
import { THEMES, type TestTheme, type ThemeName } from './themes';

export const NONCE = 'testNonce0123456789abcdefABCDEF';
export const resultsDir = path.join(repoRoot, 'test-results');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** Serves the page at / and the extension's dist/ and media/ folders. */
export async function startServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const bundle = path.join(repoRoot, 'dist/webview.js');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run node scripts/build.mjs first`);
  let origin = '';
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        panelHtml({
          cspSource: origin,
          nonce: NONCE,
          scriptUri: `${origin}/dist/webview.js`,
          styleUri: `${origin}/media/report.css`,
          title: 'RMT Lens — test',
        }),
      );
      return;
    }
    if (url.pathname === '/favicon.ico') {
      response.writeHead(204).end(); // browsers ask; VS Code webviews do not
      return;
    }
    const file = path.join(repoRoot, path.normalize(url.pathname));
    const allowed = ['dist', 'media'].some((dir) => file.startsWith(path.join(repoRoot, dir) + path.sep));
    if (!allowed || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    });
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Violation {
  directive: string;
  blocked: string;
  sample: string;
  source: string;
}

/** What the page's globals look like to the callbacks below (the root tsconfig has no DOM lib). */
interface PageWindow {
  __posted: WebviewToHost[];
  __violations: Violation[];
  __state: unknown;
  __applyTheme(theme: TestTheme): void;
  acquireVsCodeApi(): unknown;
  postMessage(message: unknown, target: string): void;
  document: {
    documentElement: { style: { setProperty(n: string, v: string): void; removeProperty(n: string): void } };
    body: { className: string; dataset: Record<string, string> } | null;
    addEventListener(type: 'securitypolicyviolation', listener: (event: ViolationEvent) => void): void;
  };
  MutationObserver: new (callback: () => void) => {
    observe(node: unknown, options: object): void;
    disconnect(): void;
  };
}

interface ViolationEvent {
  violatedDirective: string;
  blockedURI: string;
  sample: string;
  sourceFile: string;
  lineNumber: number;
  columnNumber: number;
}

/** The page in one browser tab, with what it posted, its CSP violations and its errors. */
export class ReportPage {
  readonly errors: string[] = [];

  private constructor(readonly page: Page) {
    page.on('pageerror', (error) => this.errors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(message.text());
    });
  }

  static async open(
    browser: Browser,
    origin: string,
    options: { theme?: ThemeName; state?: unknown; width?: number; height?: number } = {},
  ): Promise<ReportPage> {
    const page = await browser.newPage({
      viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    });
    await page.addInitScript(installStubs, { theme: THEMES[options.theme ?? 'light'], state: options.state });
    const report = new ReportPage(page);
    await page.goto(origin);
    await report.waitForPosted('ready');
    return report;
  }

  async post(message: HostToWebview): Promise<void> {
    await this.page.evaluate(
      (m) => (globalThis as unknown as PageWindow).postMessage(m, '*'),
      asJson(message),
    );
  }

  async postAll(messages: HostToWebview[]): Promise<void> {
    for (const message of messages) await this.post(message);
  }

  posted(): Promise<WebviewToHost[]> {
    return this.page.evaluate(() => (globalThis as unknown as PageWindow).__posted);
  }

  async clearPosted(): Promise<void> {
    await this.page.evaluate(() => ((globalThis as unknown as PageWindow).__posted = []));
  }

  /** Waits until the page has posted `count` messages of this type; returns the last one. */
  async waitForPosted<T extends WebviewToHost['type']>(
    type: T,
    count = 1,
    timeout = 15000,
  ): Promise<Extract<WebviewToHost, { type: T }>> {
    await this.page.waitForFunction(
      ([t, n]) => (globalThis as unknown as PageWindow).__posted.filter((m) => m.type === t).length >= n,
      [type, count] as const,
      { timeout },
    );
    const all = (await this.posted()).filter((m) => m.type === type);
    return all[all.length - 1] as Extract<WebviewToHost, { type: T }>;
  }

  violations(): Promise<Violation[]> {
    return this.page.evaluate(() => (globalThis as unknown as PageWindow).__violations);
  }

  savedState(): Promise<unknown> {
    return this.page.evaluate(() => (globalThis as unknown as PageWindow).__state);
  }

  async applyTheme(theme: ThemeName): Promise<void> {
    await this.page.evaluate((t) => (globalThis as unknown as PageWindow).__applyTheme(t), THEMES[theme]);
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${name}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }

  /** Waits until the selected layer's heading shows this name. */
  async waitForLayer(name: string): Promise<void> {
    await this.page.waitForSelector(`.layer-name:text-is(${JSON.stringify(name)})`);
  }

  close(): Promise<void> {
    return this.page.close();
  }
}

/** Polls `condition` until it holds (or fails after `timeout` ms). */
export async function waitUntil(condition: () => Promise<boolean>, timeout = 10000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeout} ms: ${condition.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs in the page before its scripts: the VS Code API stub, the theme, the CSP listener. */
function installStubs({ theme, state }: { theme: TestTheme; state: unknown }): void {
  const w = globalThis as unknown as PageWindow;
  const document = w.document;
  w.__posted = [];
  w.__violations = [];
  w.__state = state;
  w.acquireVsCodeApi = () => ({
    postMessage: (m: unknown) => w.__posted.push(JSON.parse(JSON.stringify(m))),
    getState: () => w.__state,
    setState: (s: unknown) => (w.__state = JSON.parse(JSON.stringify(s))),
  });
  document.addEventListener('securitypolicyviolation', (e) =>
    w.__violations.push({
      directive: e.violatedDirective,
      blocked: e.blockedURI,
      sample: e.sample,
      source: `${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`,
    }),
  );
  let applied: string[] = [];
  w.__applyTheme = (t: TestTheme) => {
    const style = document.documentElement.style;
    for (const name of applied) style.removeProperty(name);
    applied = Object.keys(t.vars).map((k) => `--vscode-${k}`);
    for (const [k, v] of Object.entries(t.vars)) style.setProperty(`--vscode-${k}`, v);
    if (document.body) {
      document.body.className = t.bodyClass;
      document.body.dataset.vscodeThemeKind = t.kind;
    }
  };
  const observer = new w.MutationObserver(() => {
    if (!document.body) return;
    observer.disconnect();
    w.__applyTheme(theme);
  });
  observer.observe(document, { childList: true, subtree: true });
}
