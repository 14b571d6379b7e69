// The report page's HTML shell and its Content Security Policy. Pure string code (no DOM, no vscode):
// the host (src/ui/reportPanel.ts) and the browser tests build the page from the same function.

export interface PanelHtmlOptions {
  /** webview.cspSource: the origin the page may load its own resources from. */
  cspSource: string;
  /** A fresh random nonce per page load. */
  nonce: string;
  /** dist/webview.js and media/report.css, as webview URIs. */
  scriptUri: string;
  styleUri: string;
  title: string;
}

/**
 * No eval, no inline code, no remote content: scripts by nonce, styles and fonts from the extension.
 * The style nonce is for the one <style> the toolkit creates (FAST's focus-visible probe), which
 * reads the nonce from <meta property="csp-nonce">.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

export function panelHtml(options: PanelHtmlOptions): string {
  const { cspSource, nonce, scriptUri, styleUri, title } = options;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta property="csp-nonce" content="${escapeHtml(nonce)}">
<link rel="stylesheet" href="${escapeHtml(styleUri)}" nonce="${escapeHtml(nonce)}">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main id="app"></main>
<script nonce="${escapeHtml(nonce)}" src="${escapeHtml(scriptUri)}"></script>
</body>
</html>
`;
}

/** A nonce of 32 characters from [A-Za-z0-9], from a cryptographic source. */
export function makeNonce(randomBytes: (n: number) => Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(32), (byte) => alphabet[byte % alphabet.length]).join('');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
