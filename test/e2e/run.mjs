// UI tests: the packaged .vsix installed into a fresh code-server, driven through Chromium with
// playwright-core the way a user would: right-click the file in the Explorer → Analyze weights, read
// the report webview (two iframes deep) and the Problems panel, in the light and the dark theme.
// Screenshots go to test-results/. Prints `e2e: N passed, M failed` last; exit code = failures.
//
//   node test/e2e/run.mjs        env: RMT_LENS_E2E_TIMEOUT_S (whole run, default 600), VERBOSE=1
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
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
import { CHECKPOINT_CHANGES, FILES, MODEL_LAYERS, writeWorkspace } from '../vscode/workspace.mjs';

const RESULTS_DIR = join(ROOT, 'test-results');
const TOTAL_TIMEOUT_MS = (Number(process.env.RMT_LENS_E2E_TIMEOUT_S) || 600) * 1000;
const STEP_TIMEOUT_MS = 60_000;
const VERBOSE = Boolean(process.env.VERBOSE);
const LIGHT = 'Default Light Modern';
const DARK = 'Default Dark Modern';
/** How the theme picker names DARK. */
const DARK_LABEL = 'Dark Modern';
const LIGHT_LABEL = 'Light Modern';
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
  // The path tooltip of the row above (shown while the mouse rests there) can cover this row.
  await page.mouse.move(700, 500);
  await page
    .locator('.workbench-hover:visible')
    .first()
    .waitFor({ state: 'hidden', timeout: 5000 })
    .catch(() => {});
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

const quickInputBox = (page) => page.locator('.quick-input-widget input').first();

/** Waits for the quick input titled `title` (a substring) and returns its input's value. */
async function quickInputTitled(page, title) {
  await page
    .locator('.quick-input-widget .quick-input-title', { hasText: title })
    .first()
    .waitFor({ state: 'visible', timeout: 30_000 });
  return quickInputBox(page).inputValue();
}

/** In the visible quick pick, types `filter` and chooses the row that shows `label`. */
async function pick(page, label, filter = label) {
  const input = quickInputBox(page);
  await input.fill(filter);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();
}

/** F1 → `title` (a command palette entry) → Enter. */
async function runCommand(page, title) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await quickInputBox(page).waitFor({ state: 'visible' });
  await pick(page, title, `>${title}`);
}

/** As a user does it: F1 → "Preferences: Color Theme" → `label`; waits for the workbench and the webviews. */
async function switchTheme(page, label, dark) {
  writeUserSettings(ctx.server.dirs, settingsFor(dark ? DARK : LIGHT));
  await runCommand(page, 'Preferences: Color Theme');
  await quickInputBox(page).fill(label);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator(dark ? '.monaco-workbench.vs-dark' : '.monaco-workbench.vs').waitFor();
}

/** The custom editor of the checkpoint file, its Layers or Model tab, and the Python hover. */
const editorFile = FILES.w0;
const editorTab = (page) => page.locator('.tabs-container .tab', { hasText: editorFile }).first();

async function showEditorTab(page, which) {
  await editorTab(page).click();
  const frame = reportFrame(page);
  await frame.locator(`vscode-panel-tab#tab-${which}`).click();
  await frame.locator(`vscode-panel-view#view-${which}`).waitFor({ state: 'visible' });
  return frame;
}

async function cpseChart(page) {
  const frame = await showEditorTab(page, 'model');
  const svg = frame.locator('#cpse-chart svg.marks').first();
  await svg.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await until(() => svg.locator('path').count(), 'marks in the cPSE chart');
  const box = await svg.boundingBox();
  if (!box || box.width < 100 || box.height < 50)
    throw new Error(`cPSE chart is ${box?.width}×${box?.height}`);
  return frame;
}

/** Opens model.py, hovers `self.fc2` and returns the hover's text (RMT Lens part). */
async function pythonHover(page) {
  await (await explorerRow(page, FILES.python)).click();
  const pyTab = page.locator('.tabs-container .tab.active', { hasText: FILES.python }).first();
  await pyTab.waitFor({ state: 'visible' });
  const token = page
    .locator('.monaco-editor .view-line', { hasText: 'self.fc2 = nn.Linear' })
    .first()
    .locator('span span', { hasText: 'fc2' })
    .first();
  await token.waitFor({ state: 'visible' });
  const hover = page.locator('.monaco-hover:visible', { hasText: 'RMT Lens' }).first();
  return until(
    async () => {
      await page.mouse.move(5, 5);
      await token.hover();
      await hover.waitFor({ state: 'visible', timeout: 4000 });
      const text = (await hover.innerText()).replace(/\s+/g, ' ');
      return text.includes(MODEL_LAYERS.spiked) && text;
    },
    `the RMT Lens hover on self.fc2 of ${FILES.python}`,
    45_000,
  );
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
  {
    name: 'F1 → "Generate random matrix ensemble": quick picks, input boxes, save dialog; the file appears in the Explorer',
    needs: 0,
    async run({ page }) {
      await runCommand(page, 'RMT Lens: Generate random matrix ensemble');
      await quickInputTitled(page, '(1/6)');
      await pick(page, 'ginibre');
      const answers = {};
      for (const [step, what] of [
        ['(2/6)', 'n'],
        ['(3/6)', 'm'],
        ['(4/6)', 'count'],
        ['(5/6)', 'seed'],
      ]) {
        answers[what] = await quickInputTitled(page, step);
        await page.keyboard.press('Enter');
      }
      if (answers.n !== '256' || answers.m !== '512' || answers.count !== '1' || answers.seed !== '1')
        throw new Error(`unexpected defaults ${JSON.stringify(answers)}`);
      await quickInputTitled(page, '(6/6)');
      await pick(page, 'safetensors');
      // code-server's simple file dialog: a quick input holding the proposed path.
      // It fills in the folder first, then the proposed name.
      const name = 'ginibre-256x512-x1-seed1.safetensors';
      let proposed = await quickInputTitled(page, 'Write the ensemble to');
      await until(async () => {
        proposed = await quickInputBox(page).inputValue();
        return proposed.endsWith(name);
      }, `the proposed name ${name} in the save dialog (it shows ${proposed})`).catch((err) => {
        throw new Error(`${err.message}; last value ${proposed}`);
      });
      if (proposed !== `${ctx.workspace}/${name}`)
        throw new Error(`the save dialog proposes ${proposed}, not ${name} in the workspace folder`);
      await shot(page, 'dark-save-dialog');
      await page.keyboard.press('Enter');
      const toast = page.locator('.notification-toast', { hasText: `RMT Lens: wrote ${name}` }).first();
      await toast.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
      for (const button of ['Analyze weights', 'Reveal in Explorer'])
        await toast.locator('.monaco-button', { hasText: button }).first().waitFor();
      await explorerRow(page, name);
      const size = statSync(join(ctx.workspace, name)).size;
      if (size < 256 * 512 * 8) throw new Error(`${name} has ${size} bytes`);
      await toast.locator('.monaco-button', { hasText: 'Reveal in Explorer' }).first().click();
      await page
        .locator('.explorer-folders-view .monaco-list-row.selected', { hasText: name })
        .first()
        .waitFor({ timeout: 15_000 });
    },
  },
  {
    name: '"Open With…" → "RMT Lens: weight file" shows the layer table from the header and an Analyze button',
    needs: 0,
    async run({ page }) {
      await runCommand(page, 'View: Close All Editors');
      // The Problems panel (opened by the tests above) would take half of the editor's height.
      if (await page.locator('.part.panel').isVisible()) await runCommand(page, 'View: Hide Panel');
      await page.locator('.part.panel').waitFor({ state: 'hidden', timeout: 15_000 });
      await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: 15_000 });
      const picker = page.locator('.quick-input-list .monaco-list-row', { hasText: 'RMT Lens: weight file' });
      await chooseFromContextMenu(page, editorFile, 'Open With...', picker.first());
      await picker.first().click();
      await editorTab(page).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
      const frame = reportFrame(page);
      const rows = await until(async () => {
        const r = await dataRows(page);
        return CHECKPOINT_CHANGES.every(([layer]) => r.some((t) => t.includes(layer))) && r;
      }, 'the layer table of the header');
      if (rows.length !== CHECKPOINT_CHANGES.length)
        throw new Error(`expected ${CHECKPOINT_CHANGES.length} rows: ${rows.join(' / ')}`);
      if (!rows[0].includes('80') || !rows[0].includes('120')) throw new Error(`no shape in ${rows[0]}`);
      const analyze = frame.locator('#analyze');
      await analyze.waitFor({ state: 'visible' });
      if ((await analyze.innerText()).trim() !== 'Analyze')
        throw new Error('the button does not say Analyze');
      const text = (await frame.locator('body').innerText()).replace(/\s+/g, ' ');
      if (!text.includes('not analysed yet') || text.includes('analysing…'))
        throw new Error(`before the analysis the page should say "not analysed yet": ${text.slice(0, 400)}`);
      await shot(page, 'dark-editor-header');
    },
  },
  {
    name: "the custom editor's Analyze button fills in the verdicts",
    needs: 9,
    async run({ page }) {
      const frame = reportFrame(page);
      await frame.locator('#analyze').click();
      await frame.locator('.status.status-done').waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
      const rows = await until(async () => {
        const r = await dataRows(page);
        return (
          r.length === CHECKPOINT_CHANGES.length && r.every((t) => /random|spike|deviating/.test(t)) && r
        );
      }, 'a verdict in every row');
      if (VERBOSE) for (const r of rows) log(`  row: ${r}`);
      if (await frame.locator('#analyze').isVisible()) throw new Error('Analyze is still offered');
      await shot(page, 'dark-editor');
    },
  },
  {
    name: 'the Model tab shows the cPSE curve as SVG',
    needs: 10,
    async run({ page }) {
      const frame = await cpseChart(page);
      const summary = (await frame.locator('vscode-panel-view#view-model').innerText()).replace(/\s+/g, ' ');
      if (!/cPSE = /.test(summary))
        throw new Error(`no cPSE sentence in the model view: ${summary.slice(0, 300)}`);
      await shot(page, 'dark-model');
    },
  },
  {
    name: 'a Python line defining the spiked layer: hover with the numbers and a "Show spectrum" CodeLens',
    needs: 2,
    async run({ page }) {
      const text = await pythonHover(page);
      for (const label of ['verdict', 'outliers above TW', 'σ (MP fit)', 'spectral norm'])
        if (!text.includes(label)) throw new Error(`hover lacks "${label}": ${text}`);
      if (!/\d\.\d/.test(text)) throw new Error(`no numbers in the hover: ${text}`);
      if (VERBOSE) log(`  hover: ${text.slice(0, 300)}`);
      const lenses = page.locator('.monaco-editor .codelens-decoration', { hasText: 'Show spectrum' });
      await until(async () => (await lenses.count()) === 2, 'two "Show spectrum" CodeLenses (fc1, fc2)');
      await shot(page, 'dark-python-hover');
    },
  },
  {
    name: 'the same views in the light theme (screenshots)',
    needs: 10,
    async run({ page }) {
      await switchTheme(page, LIGHT_LABEL, false);
      const frame = await showEditorTab(page, 'layers');
      await until(
        () => frame.locator('body.vscode-light').count(),
        'the webview body to get the vscode-light class',
      );
      await frame.locator('.status.status-done').waitFor({ state: 'attached' });
      await shot(page, 'light-editor');
      await cpseChart(page);
      await shot(page, 'light-model');
      await pythonHover(page);
      await shot(page, 'light-python-hover');
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
  writeWorkspace(ctx.workspace, { slow: true, python: true });
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
