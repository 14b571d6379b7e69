// UI tests: the packaged .vsix installed into a fresh code-server, driven through Chromium with
// playwright-core the way a user would: right-click the file in the Explorer → Analyze weights, read
// the report webview (two iframes deep) and the Problems panel, in the light and the dark theme.
// Screenshots go to test-results/. Prints `e2e: N passed, M failed` last; exit code = failures.
//
//   node test/e2e/run.mjs        env: RMT_LENS_E2E_TIMEOUT_S (whole run, default 600), VERBOSE=1
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ROOT,
  ensureHost,
  ensureVsix,
  hookSignals,
  launchChromium,
  onInterrupt,
  startCodeServer,
  withTimeout,
  workbenchUrl,
  writeUserSettings,
} from '../../scripts/vscode-host.mjs';
import { FILES, MODEL_LAYERS, writeWorkspace } from '../vscode/workspace.mjs';

const RESULTS_DIR = join(ROOT, 'test-results');
const TOTAL_TIMEOUT_MS = (Number(process.env.RMT_LENS_E2E_TIMEOUT_S) || 600) * 1000;
const STEP_TIMEOUT_MS = 60_000;
const VERBOSE = Boolean(process.env.VERBOSE);
const LIGHT = 'Default Light Modern';
const DARK = 'Default Dark Modern';
/** How the theme picker names DARK. */
const DARK_LABEL = 'Dark Modern';
const log = (msg) => console.log(`[e2e] ${msg}`);
const oneLine = (err) =>
  String(err?.message ?? err)
    .split('\n')[0]
    .slice(0, 400);

hookSignals();
mkdirSync(RESULTS_DIR, { recursive: true });
// Screenshots of an earlier run would pass for this one's.
for (const f of readdirSync(RESULTS_DIR))
  if (/^e2e-.*\.png$/.test(f)) rmSync(join(RESULTS_DIR, f), { force: true });

const results = [];
function finish() {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(Math.min(failed, 255));
}

// A watchdog for the whole run: whatever hangs, the run ends, everything is killed, and it says so.
const watchdog = setTimeout(() => {
  console.error(
    `[e2e] error: the UI tests did not finish within ${TOTAL_TIMEOUT_MS / 1000} s; killing code-server and Chromium`,
  );
  results.push({ name: 'finishes in time', ok: false });
  finish();
}, TOTAL_TIMEOUT_MS);
watchdog.unref();

// ---------------------------------------------------------------------------------------------

const ctx = {};
const settingsFor = (theme) => ({
  'workbench.colorTheme': theme,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.editor.enablePreview': false,
  'problems.defaultViewMode': 'list',
});

/** The report page: webview host iframe → the page's own iframe. */
const reportFrame = (page) =>
  page.frameLocator('iframe.webview.ready').first().frameLocator('iframe#active-frame');

async function shot(page, name) {
  const file = join(RESULTS_DIR, `e2e-${name}.png`);
  await page.screenshot({ path: file }).catch((err) => log(`screenshot ${name} failed: ${oneLine(err)}`));
  return file;
}

async function explorerRow(page, name) {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  return row;
}

async function contextMenuItems(page, fileName) {
  const row = await explorerRow(page, fileName);
  await row.click({ button: 'right' });
  const menu = page.locator('.monaco-menu-container .monaco-menu').first();
  await menu.waitFor({ state: 'visible', timeout: 15_000 });
  const labels = await page.locator('.monaco-menu-container .action-label').allTextContents();
  return labels.map((l) => l.trim()).filter(Boolean);
}

/**
 * Right-click `fileName` in the Explorer, choose `label`, and wait for `done` (a locator) to appear.
 * A menu clicked while it is still opening can swallow the click (seen on a loaded machine), so a
 * click that changes nothing is retried with a fresh menu, three times at most.
 */
async function chooseFromContextMenu(page, fileName, label, done) {
  for (let attempt = 1; ; attempt++) {
    await until(async () => {
      const items = await contextMenuItems(page, fileName);
      if (items.includes(label)) return true;
      await page.keyboard.press('Escape');
      return false;
    }, `"${label}" in the context menu of ${fileName}`);
    const item = page.locator('.monaco-menu-container .action-label', { hasText: label }).first();
    await item.hover();
    await item.click();
    try {
      await done.waitFor({ state: 'visible', timeout: 15_000 });
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      log(`  "${label}" on ${fileName} changed nothing (attempt ${attempt}); retrying`);
      await page.keyboard.press('Escape');
    }
  }
}

async function dataRows(page) {
  const frame = reportFrame(page);
  const rows = frame.locator('vscode-data-grid-row:not([row-type="header"]):not([row-type="sticky-header"])');
  return (await rows.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
}

async function until(fn, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} (waited ${timeoutMs / 1000} s${last ? `; last error: ${oneLine(last)}` : ''})`);
}

const tests = [
  {
    name: 'the workbench opens the workspace and the Explorer lists the weight files',
    async run({ page }) {
      await page.goto(workbenchUrl(ctx.server, ctx.workspace), { timeout: STEP_TIMEOUT_MS });
      await page.locator('.monaco-workbench').waitFor({ timeout: STEP_TIMEOUT_MS });
      for (const f of [FILES.model, FILES.npy]) await explorerRow(page, f);
    },
  },
  {
    name: 'the Explorer context menu of a .safetensors file offers "Analyze weights", a README does not',
    async run({ page }) {
      // The workbench shows the Explorer before the extension host has registered the extension's
      // menus: reopen the menu until the entry appears (or give up after 45 s).
      let items = [];
      await until(
        async () => {
          items = await contextMenuItems(page, FILES.model);
          if (items.includes('Analyze weights')) return true;
          await page.keyboard.press('Escape');
          await page.waitForTimeout(750);
          return false;
        },
        `"Analyze weights" in the context menu of ${FILES.model} (items: ${items.join(' | ')})`,
        45_000,
      );
      await shot(page, 'context-menu');
      await page.keyboard.press('Escape');
      const readme = await contextMenuItems(page, 'README.md');
      await page.keyboard.press('Escape');
      if (readme.includes('Analyze weights')) throw new Error('"Analyze weights" offered for README.md');
    },
  },
  {
    name: 'choosing "Analyze weights" opens the report panel',
    needs: 1,
    async run({ page }) {
      const tab = page.locator('.tabs-container .tab', { hasText: `RMT Lens — ${FILES.model}` }).first();
      await chooseFromContextMenu(page, FILES.model, 'Analyze weights', tab);
      await page.locator('iframe.webview.ready').first().waitFor({ timeout: STEP_TIMEOUT_MS });
    },
  },
  {
    name: 'the report webview shows a table row per layer',
    needs: 2,
    async run({ page }) {
      const rows = await until(async () => {
        const r = await dataRows(page);
        return (
          r.some((t) => t.includes(MODEL_LAYERS.noise)) && r.some((t) => t.includes(MODEL_LAYERS.spiked)) && r
        );
      }, `rows for ${MODEL_LAYERS.noise} and ${MODEL_LAYERS.spiked} in the layer table`);
      if (VERBOSE) for (const r of rows) log(`  row: ${r}`);
      if (rows.length !== 2)
        throw new Error(`expected 2 layer rows, got ${rows.length}: ${rows.join(' / ')}`);
      if (rows.some((r) => r.includes('fc2.bias'))) throw new Error('a 1-D bias shows up as a layer');
    },
  },
  {
    name: 'the ESD chart is drawn by vega as SVG',
    needs: 2,
    async run({ page }) {
      const frame = reportFrame(page);
      const svg = frame.locator('#esd-chart svg.marks').first();
      await svg.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
      const marks = await until(
        () => frame.locator('#esd-chart svg.marks').first().locator('path, rect, line, circle').count(),
        'marks inside the ESD chart SVG',
      );
      const box = await svg.boundingBox();
      if (!box || box.width < 100 || box.height < 50)
        throw new Error(`chart is ${box?.width}×${box?.height}`);
      if (VERBOSE) log(`  ${marks} SVG marks, ${Math.round(box.width)}×${Math.round(box.height)}`);
      await svg.scrollIntoViewIfNeeded();
      await shot(page, 'light-report');
    },
  },
  {
    name: 'the Problems panel lists the spiked layer (and not the noise layer)',
    needs: 2,
    async run({ page }) {
      await page
        .locator('.monaco-workbench')
        .click({ position: { x: 5, y: 5 } })
        .catch(() => {});
      await page.keyboard.press('Control+Shift+M');
      const rows = page.locator('.markers-panel .monaco-list-row');
      const texts = await until(async () => {
        const t = (await rows.allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim());
        return t.some((s) => s.includes(MODEL_LAYERS.spiked)) && t;
      }, `a Problems entry for ${MODEL_LAYERS.spiked}`);
      if (VERBOSE) for (const t of texts) log(`  problem: ${t}`);
      if (texts.some((s) => s.includes(MODEL_LAYERS.noise)))
        throw new Error(`noise layer listed: ${texts.join(' / ')}`);
      if (!texts.some((s) => s.includes('RMT Lens')))
        throw new Error(`no entry from source "RMT Lens": ${texts.join(' / ')}`);
      await shot(page, 'light-problems');
    },
  },
  {
    name: 'switching to a dark theme re-themes the workbench and the report webview',
    needs: 2,
    async run({ page }) {
      // As a user does it: F1 → "Preferences: Color Theme" → the dark theme. The settings file is
      // written too, so a reload keeps it.
      writeUserSettings(ctx.server.dirs, settingsFor(DARK));
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input').first();
      await input.waitFor({ state: 'visible' });
      await input.fill('>Preferences: Color Theme');
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: 'Preferences: Color Theme' })
        .first()
        .click();
      await input.fill(DARK_LABEL);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: DARK_LABEL }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.monaco-workbench.vs-dark').waitFor({ timeout: STEP_TIMEOUT_MS });
      await until(
        () => reportFrame(page).locator('body.vscode-dark').count(),
        'the webview body to get the vscode-dark class',
      );
      await shot(page, 'dark-problems');
      await page.keyboard.press('Control+Shift+M'); // toggles the panel away to show the whole report
      await page.waitForTimeout(500);
      await shot(page, 'dark-report');
    },
  },
  {
    name: 'the progress notification counts layers, and its Cancel stops the analysis without diagnostics',
    needs: 1,
    async run({ page }) {
      await page.keyboard.press('Escape');
      const toast = page
        .locator('.notification-toast', { hasText: `RMT Lens: analysing ${FILES.slow}` })
        .first();
      await chooseFromContextMenu(page, FILES.slow, 'Analyze weights', toast);
      const text = await until(async () => {
        const t = await toast.locator('.notification-list-item-message').first().innerText();
        return /layer \d+\/12/.test(t) && t;
      }, 'a "layer k/12" progress message in the notification');
      if (VERBOSE) log(`  notification: ${text.replace(/\s+/g, ' ').trim()}`);
      await shot(page, 'dark-progress');
      await toast.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
      await toast.waitFor({ state: 'hidden', timeout: 30_000 });
      await page.waitForTimeout(1500); // a run that went on would publish its diagnostics by now
      await page.keyboard.press('Control+Shift+M');
      const rows = (await page.locator('.markers-panel .monaco-list-row').allTextContents()).join(' / ');
      if (rows.includes(FILES.slow)) throw new Error(`a cancelled run left Problems entries: ${rows}`);
      if (!rows.includes(MODEL_LAYERS.spiked)) throw new Error(`the earlier entries are gone: ${rows}`);
    },
  },
];

// ---------------------------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  const vsix = await ensureVsix();
  const host = ensureHost({ browser: true });
  const scratch = mkdtempSync(join(tmpdir(), 'rmt-lens-e2e-'));
  onInterrupt(() => rmSync(scratch, { recursive: true, force: true }));
  ctx.workspace = join(scratch, 'workspace');
  writeWorkspace(ctx.workspace, { slow: true });
  ctx.server = await startCodeServer({ host, workspace: ctx.workspace, vsix, settings: settingsFor(LIGHT) });
  log(`code-server ${ctx.server.url} with ${vsix} installed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const browser = await launchChromium();
  const stopAll = async () => {
    await browser.close().catch(() => {});
    await ctx.server.stop();
    rmSync(scratch, { recursive: true, force: true });
  };
  onInterrupt(stopAll);
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(oneLine(err)));
    if (VERBOSE)
      page.on('console', (m) => m.type() === 'error' && log(`  console: ${m.text().slice(0, 300)}`));
    for (const [i, t] of tests.entries()) {
      const started = Date.now();
      const blocker = t.needs !== undefined && !results[t.needs]?.ok ? results[t.needs] : undefined;
      if (blocker) {
        results.push({ name: t.name, ok: false });
        console.log(`  ✗ ${t.name}: not run, it needs "${blocker.name}"`);
        continue;
      }
      try {
        await withTimeout(t.run({ page }), STEP_TIMEOUT_MS * 2, t.name);
        results.push({ name: t.name, ok: true });
        console.log(`  ✔ ${t.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (err) {
        results.push({ name: t.name, ok: false });
        const file = await shot(page, `fail-${i + 1}`);
        console.log(`  ✗ ${t.name}: ${oneLine(err)}\n    screenshot: ${file}`);
        if (pageErrors.length) console.log(`    page errors: ${pageErrors.slice(-3).join(' | ')}`);
      }
    }
  } finally {
    await stopAll();
  }
  log(`screenshots in ${RESULTS_DIR}; took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

try {
  await main();
} catch (err) {
  console.error(`[e2e] error: ${oneLine(err)}`);
  if (VERBOSE) console.error(err?.stack);
  results.push({ name: 'setup', ok: false });
}
finish();
