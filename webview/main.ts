// Entry of the report webview (bundled to dist/webview.js).
import { App } from './app';
import { registerComponents } from './components/toolkit';
import type { PageState } from './state';
import { vscodeApi } from './vscodeApi';

registerComponents();
const api = vscodeApi<PageState>();
const root = document.getElementById('app') ?? document.body;
const app = new App(api, root);
window.addEventListener('message', (event: MessageEvent) => app.receive(event.data));
api.postMessage({ type: 'ready' });
