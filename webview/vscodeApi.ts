// The one handle on the VS Code webview API: typed messages to the host and the persisted page state.
import type { WebviewToHost } from '../src/protocol';

interface VsCodeApi<State> {
  postMessage(message: WebviewToHost): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

/** Acquires the API once (VS Code allows only one call per page). */
export function vscodeApi<State>(): VsCodeApi<State> {
  return acquireVsCodeApi<State>();
}

export type { VsCodeApi };
