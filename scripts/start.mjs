// `npm start` (after the build): packages dist/rmt-lens.vsix and opens a real VS Code with it
// installed on examples/ — the desktop `code` when one is on PATH, otherwise code-server on
// 127.0.0.1 (the URL is printed; Ctrl-C stops it and removes its temp folders).
//
//   env: RMT_LENS_START=code-server   use code-server even when `code` is on PATH
//        PORT=8080                    code-server's port (default 8080, or a free one when taken)
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import {
  ROOT,
  ensureHost,
  ensureVsix,
  freePort,
  hookSignals,
  onInterrupt,
  startCodeServer,
  workbenchUrl,
} from './vscode-host.mjs';

const EXAMPLES = join(ROOT, 'examples');
const say = (msg) => console.log(`[start] ${msg}`);

function onPath(cmd) {
  for (const dir of (process.env.PATH || '').split(delimiter)) {
    const p = join(dir, cmd);
    try {
      if (dir && statSync(p).isFile() && (statSync(p).mode & 0o111) !== 0) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function desktop(code, vsix) {
  say(`desktop VS Code: ${code}`);
  for (const args of [['--install-extension', vsix, '--force'], [EXAMPLES]]) {
    say(`code ${args.join(' ')}`);
    const r = spawnSync(code, args, { stdio: 'inherit', timeout: 180_000 });
    if (r.status !== 0) throw new Error(`code ${args[0]} failed (${r.error?.message ?? `exit ${r.status}`})`);
  }
}

async function codeServer(vsix) {
  const host = ensureHost({ browser: false });
  const wanted = Number(process.env.PORT) || 8080;
  const port = (await portFree(wanted)) ? wanted : await freePort();
  // Registered before the server's own cleanup, so it runs first on Ctrl-C.
  let interrupted = false;
  onInterrupt(() => {
    interrupted = true;
    say('stopping code-server');
  });
  const server = await startCodeServer({ host, workspace: EXAMPLES, vsix, port });
  console.log('');
  console.log(`  RMT Lens in code-server: ${workbenchUrl(server, EXAMPLES)}`);
  console.log('  Right-click a .safetensors or .npy file → Analyze weights.  Ctrl-C stops the server.');
  console.log('');
  const code = await new Promise((resolve) =>
    server.child.once('exit', (c, sig) => resolve(sig ? 1 : (c ?? 1))),
  );
  if (interrupted) return; // the Ctrl-C handler finishes the cleanup and exits
  say(`code-server quit on its own (exit ${code}); log: ${server.logFile}`);
  server.keepLog();
  await server.stop();
  process.exit(1);
}

hookSignals(() => 0); // Ctrl-C: stop code-server, remove its temp folders, exit 0
try {
  if (!existsSync(EXAMPLES)) throw new Error('examples/ is missing');
  const vsix = await ensureVsix();
  say(`packaged ${vsix}`);
  const code = process.env.RMT_LENS_START === 'code-server' ? undefined : onPath('code');
  if (code) desktop(code, vsix);
  else await codeServer(vsix);
} catch (err) {
  console.error(`[start] error: ${String(err?.message ?? err)}`);
  process.exit(1);
}
