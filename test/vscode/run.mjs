// Runs the extension-host suite (out/test/vscode/index.js → suite/*.test.js) in a real VS Code:
//   1. desktop VS Code through @vscode/test-electron, when it can be downloaded and started;
//   2. otherwise code-server (scripts/vscode-host.mjs) with the smoke-test driver: Chromium opens the
//      workbench with an extensionDevelopmentPath/extensionTestsPath payload and the result arrives
//      through window.codeAutomationExit.
// It says which path it used, prints `vscode: N passed, M failed` last and exits with the number of
// failures (a run that could not happen at all counts as one failure).
//
//   node test/vscode/run.mjs [--runner auto|electron|code-server] [--dev-path DIR] [--tests-path FILE]
//   env: RMT_LENS_VSCODE_RUNNER (same as --runner), RMT_LENS_TEST_TIMEOUT_S (whole run, default 600),
//        RMT_LENS_VSCODE_VERSION (test-electron's version, default stable), RMT_LENS_TEST_GREP
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { format, parseArgs } from 'node:util';
import {
  ROOT,
  ensureHost,
  hookSignals,
  killDescendants,
  launchChromium,
  onInterrupt,
  spawnTracked,
  startCodeServer,
  withTimeout,
  workbenchUrl,
} from '../../scripts/vscode-host.mjs';
import { writeWorkspace } from './workspace.mjs';

const { values: opts } = parseArgs({
  options: {
    runner: { type: 'string', default: process.env.RMT_LENS_VSCODE_RUNNER || 'auto' },
    'dev-path': { type: 'string', default: ROOT },
    'tests-path': { type: 'string', default: join(ROOT, 'out', 'test', 'vscode', 'index.js') },
  },
});
const devPath = resolve(opts['dev-path']);
const testsPath = resolve(opts['tests-path']);
const TOTAL_TIMEOUT_MS = (Number(process.env.RMT_LENS_TEST_TIMEOUT_S) || 600) * 1000;
const RESULTS_DIR = join(ROOT, 'test-results');
const VERBOSE = Boolean(process.env.VERBOSE);
/** Printed by test/vscode/index.ts when mocha starts. */
const SUITE_START = 'RMT_LENS_SUITE_START';
/** What an offline code-server logs on its own (gallery, GitHub auth): not ours, not news. */
const OFFLINE_NOISE = /ENOTFOUND|authentication provider 'github'|open-vsx\.org/;
const log = (msg) => console.log(`[vscode] ${msg}`);
const oneLine = (err) =>
  String(err?.message ?? err)
    .split('\n')[0]
    .slice(0, 300);

hookSignals();

function finish(result, how) {
  const { passed = 0, failed = 0, tests = [] } = result;
  for (const t of tests.filter((x) => x.state === 'failed')) {
    console.log(
      `  ✗ ${t.title}\n    ${String(t.error ?? '')
        .split('\n')
        .slice(0, 6)
        .join('\n    ')}`,
    );
  }
  if (result.note) console.log(`[vscode] ${result.note}`);
  console.log(`[vscode] ran in ${how}`);
  console.log(`vscode: ${passed} passed, ${failed} failed`);
  process.exit(Math.min(failed, 255));
}

function fail(message, how = 'no VS Code') {
  console.error(`[vscode] error: ${message}`);
  finish({ passed: 0, failed: 1 }, how);
}

function readResult(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Path 1: @vscode/test-electron

/** Resolves { result } when the suite ran, or { skipReason } (one line) when this path cannot work here. */
async function viaTestElectron(workspace, resultFile, scratch) {
  let testElectron;
  try {
    testElectron = await import('@vscode/test-electron');
  } catch (err) {
    return { skipReason: `@vscode/test-electron is not installed (${oneLine(err)})` };
  }
  let executable;
  try {
    executable = await withTimeout(
      testElectron.downloadAndUnzipVSCode({
        version: process.env.RMT_LENS_VSCODE_VERSION || 'stable',
        cachePath: join(ROOT, '.vscode-test'),
        timeout: 15_000,
      }),
      10 * 60_000,
      'downloading VS Code',
    );
  } catch (err) {
    return { skipReason: `cannot download VS Code (${oneLine(err)})` };
  }
  const env = { RMT_LENS_TEST_RESULT: resultFile };
  if (process.platform === 'linux' && !process.env.DISPLAY) {
    const display = startXvfb();
    if (!display)
      return { skipReason: 'VS Code downloaded, but there is no display ($DISPLAY unset, no Xvfb)' };
    env.DISPLAY = display;
  }
  log(`@vscode/test-electron: running the suite in ${executable}`);
  let code;
  try {
    code = await withTimeout(
      testElectron.runTests({
        vscodeExecutablePath: executable,
        extensionDevelopmentPath: devPath,
        extensionTestsPath: testsPath,
        extensionTestsEnv: env,
        launchArgs: [
          workspace,
          '--disable-extensions',
          '--disable-gpu',
          '--user-data-dir',
          join(scratch, 'electron-user-data'),
          '--extensions-dir',
          join(scratch, 'electron-extensions'),
        ],
      }),
      TOTAL_TIMEOUT_MS,
      'the VS Code test run',
    );
  } catch (err) {
    code = err?.code ?? oneLine(err);
    if (/timed out/.test(String(err?.message))) killDescendants();
  }
  const result = readResult(resultFile);
  if (result) return { result };
  return { skipReason: `VS Code started but the suite never reported (exit ${code})` };
}

function startXvfb() {
  const found = (process.env.PATH || '').split(':').some((d) => d && existsSync(join(d, 'Xvfb')));
  if (!found) return undefined;
  const display = `:${90 + (process.pid % 100)}`;
  spawnTracked('Xvfb', [display, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  return display;
}

// ---------------------------------------------------------------------------------------------
// Path 2: code-server + smoke-test driver

async function viaCodeServer(workspace, resultFile) {
  const host = ensureHost({ browser: true });
  const started = Date.now();
  const server = await startCodeServer({
    host,
    workspace,
    smokeTestDriver: true,
    env: { RMT_LENS_TEST_RESULT: resultFile },
    settings: { 'workbench.colorTheme': 'Default Light Modern' },
  });
  log(`code-server up on ${server.url} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  let browser;
  const stopAll = async () => {
    await browser?.close().catch(() => {});
    await server.stop();
  };
  onInterrupt(stopAll);
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(oneLine(err)));
    // Everything the workbench and the extension host log arrives here (printf-style args). Before
    // the suite starts it is the workbench booting: kept quiet unless the run fails or VERBOSE is set.
    let sawLog = false;
    let suiteStarted = false;
    const early = [];
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      sawLog = true;
      const list = Array.isArray(args) ? args : [args];
      const text = format(...list.map((a) => (typeof a === 'object' && a !== null ? JSON.stringify(a) : a)));
      if (text.includes(SUITE_START)) suiteStarted = true;
      else if (!suiteStarted && !VERBOSE) early.push(text);
      else if (VERBOSE || !OFFLINE_NOISE.test(text)) (type === 'error' ? console.error : console.log)(text);
    });
    const exited = new Promise((resolveExit) => {
      page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
    });
    const authority = `127.0.0.1:${server.port}`;
    const url = workbenchUrl(server, workspace, [
      ['extensionDevelopmentPath', `vscode-remote://${authority}${devPath}`],
      ['extensionTestsPath', `vscode-remote://${authority}${testsPath}`],
    ]);
    log(`Chromium → ${url}`);
    await page.goto(url, { timeout: 60_000 });
    let code;
    try {
      code = await withTimeout(exited, TOTAL_TIMEOUT_MS, 'the extension-host suite (no codeAutomationExit)');
    } catch (err) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      await page.screenshot({ path: join(RESULTS_DIR, 'vscode-timeout.png') }).catch(() => {});
      const tailLog = server.output().trimEnd().split('\n').slice(-15).join('\n');
      throw new Error(
        `${err.message}; screenshot test-results/vscode-timeout.png; page errors: ${pageErrors.slice(-3).join(' | ') || 'none'}\n${tailLog}`,
        { cause: err },
      );
    }
    log(`codeAutomationExit(${code})${sawLog ? '' : ' (no codeAutomationLog output was received)'}`);
    const result = readResult(resultFile);
    if (result) return { result };
    for (const line of early) console.log(line);
    // The suite exited without writing its summary (e.g. index.js failed to load): say so.
    const tailLog = server.output().trimEnd().split('\n').slice(-15).join('\n');
    return {
      result: {
        passed: 0,
        failed: 1,
        note: `the extension host exited with code ${code} before the suite reported any result\n${tailLog}`,
      },
    };
  } finally {
    await stopAll();
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (!['auto', 'electron', 'code-server'].includes(opts.runner)) fail(`unknown runner ${opts.runner}`);
  if (!existsSync(join(devPath, 'package.json'))) fail(`${devPath} has no package.json`);
  if (devPath === ROOT && !existsSync(join(ROOT, 'dist', 'extension.js'))) {
    fail('dist/extension.js is missing: run `npm run build` first');
  }
  if (!existsSync(testsPath)) fail(`${testsPath} is missing: run \`npm run build\` (tsc) first`);

  rmSync(join(RESULTS_DIR, 'vscode-timeout.png'), { force: true }); // a stale one would mislead
  const scratch = mkdtempSync(join(tmpdir(), 'rmt-lens-vscode-'));
  onInterrupt(() => rmSync(scratch, { recursive: true, force: true }));
  const workspace = join(scratch, 'workspace');
  writeWorkspace(workspace);
  const resultFile = join(scratch, 'result.json');
  const t0 = Date.now();
  let outcome;
  let how;
  try {
    if (opts.runner !== 'code-server') {
      const electron = await viaTestElectron(workspace, resultFile, scratch);
      if (electron.result) {
        outcome = electron.result;
        how = '@vscode/test-electron (desktop VS Code)';
      } else if (opts.runner === 'electron') {
        throw Object.assign(new Error(`@vscode/test-electron: ${electron.skipReason}`), { quiet: true });
      } else {
        log(`@vscode/test-electron: ${electron.skipReason}; using code-server instead`);
      }
    }
    if (!outcome) {
      how = 'code-server (smoke-test driver, Chromium)';
      outcome = (await viaCodeServer(workspace, resultFile)).result;
    }
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    // The first line is the error; what follows (if anything) is the tail of code-server's log.
    const detail = String(err?.message ?? err)
      .split('\n')
      .slice(1)
      .join('\n');
    if (detail) console.error(detail);
    if (VERBOSE && !err?.quiet) console.error(err?.stack);
    fail(oneLine(err), how ?? '@vscode/test-electron');
  }
  rmSync(scratch, { recursive: true, force: true });
  log(`suite took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  finish(outcome, how);
}

await main();
