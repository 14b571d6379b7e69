import type * as vscode from 'vscode';

export interface Rendered {
  layers: number;
  selected: string | undefined;
}

/** Tracks, per file, the page's word that it has drawn the finished report; waiters resolve on it. */
export class RenderedReports {
  private readonly done = new Map<string, Rendered>();
  private readonly waiting = new Map<string, ((r: Rendered) => void)[]>();

  forget(uri: vscode.Uri): void {
    this.done.delete(uri.toString());
  }

  record(uri: vscode.Uri, rendered: Rendered): void {
    const key = uri.toString();
    this.done.set(key, rendered);
    for (const resolve of this.waiting.get(key) ?? []) resolve(rendered);
    this.waiting.delete(key);
  }

  wait(uri: vscode.Uri): Promise<Rendered> {
    const key = uri.toString();
    const known = this.done.get(key);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => this.waiting.set(key, [...(this.waiting.get(key) ?? []), resolve]));
  }
}
