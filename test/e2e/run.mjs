// UI tests: the packaged .vsix installed into a fresh code-server, driven through Chromium with
// playwright-core the way a user would, through every step of DESIGN.md "What a user does":
// right-click a file in the Explorer → Analyze weights, read the report webview (two iframes deep),
// sort/filter/walk the layer table, switch chart modes, export the report and a chart through
// code-server's save dialog, Problems panel, hover and CodeLens, ensembles, the custom editor,
// Compare with random baseline and Compare checkpoints, in the light, dark and high-contrast themes;
// and the faults of issue 6 a user can cause: the webview reloaded mid-analysis, two windows (two
// pages: two extension hosts) analysing the same file at once.
// Screenshots go to test-results/. Prints `e2e: N passed, M failed` last; exit code = failures.
//
//   node test/e2e/run.mjs        env: RMT_LENS_E2E_TIMEOUT_S (whole run, default 600), VERBOSE=1,
//                                RMT_LENS_E2E_ONLY=id,id… (only those tests and the ones they need)
/* global document, window, innerWidth, innerHeight, getComputedStyle -- in functions run inside the page */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix, SVD } from 'ml-matrix';
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
import {
  CHECKPOINT_CHANGES,
  CHECKPOINT_SHAPE,
  DEEP_LAYERS,
  FILES,
  MODEL_LAYERS,
  RELOAD_LAYERS,
  TWIN_LAYERS,
  checkpointPair,
  writeWorkspace,
} from '../vscode/workspace.mjs';

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

/** Runs `fn(body, arg)` inside the report page. */
const inPage = (page, fn, arg) => reportFrame(page).locator('body').evaluate(fn, arg);

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

/** The layer names of the table, top to bottom, and which one is selected. */
const tableState = (page) =>
  inPage(page, () => {
    const rows = [...document.querySelectorAll('.layer-grid vscode-data-grid-row[data-key]')];
    return {
      names: rows.map((r) => r.dataset.key),
      selected: rows.filter((r) => r.getAttribute('aria-selected') === 'true').map((r) => r.dataset.key),
      count: document.querySelector('.row-count')?.textContent ?? '',
      layerView: document.querySelector('.layer-view .layer-name')?.textContent ?? '',
    };
  });

/** The exact numbers of one column, from the cells' tooltips ("title: 1.234…"), top to bottom. */
const columnValues = (page, column) =>
  inPage(
    page,
    (_, id) =>
      [...document.querySelectorAll(`.layer-grid vscode-data-grid-row[data-key] [data-column="${id}"]`)].map(
        (cell) => cell.title.slice(cell.title.lastIndexOf(': ') + 2),
      ),
    column,
  ).then((texts) => texts.map(toNumber));

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

/** A number as the page prints it (d3 and formatNumber write U+2212 for minus). */
const toNumber = (text) =>
  Number(
    String(text)
      .trim()
      .replace(/\u2212/g, '-'),
  );
const close = (a, b, tolerance) => Math.abs(a - b) <= tolerance;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** vega's aria-label of a mark, "a: 1; b: x", as { a: '1', b: 'x' }. */
function ariaFields(label) {
  const fields = {};
  for (const part of (label ?? '').split('; ')) {
    const i = part.indexOf(': ');
    if (i > 0) fields[part.slice(0, i)] = part.slice(i + 2);
  }
  return fields;
}

/**
 * What a chart of the page shows, read from vega's SVG: legend labels, the axes' descriptions, the
 * y-axis tick labels with their heights, and every mark with the fields of its aria-label.
 */
async function chartContent(page, chartId) {
  const raw = await inPage(
    page,
    (_, id) => {
      const svg = document.querySelector(`#${id}-chart svg`);
      if (!svg) return undefined;
      const axes = [...svg.querySelectorAll('[aria-roledescription="axis"]')];
      const yAxis = axes.find((a) => a.getAttribute('aria-label')?.startsWith('Y-axis'));
      return {
        mode: svg.closest('.chart')?.dataset.mode ?? '',
        legend: [...svg.querySelectorAll('.role-legend-label text')].map((t) => t.textContent),
        axes: axes.map((a) => a.getAttribute('aria-label') ?? ''),
        yTicks: [...(yAxis?.querySelectorAll('.role-axis-label text') ?? [])].map((t) => {
          const box = t.getBoundingClientRect();
          return { text: t.textContent, y: box.top + box.height / 2 };
        }),
        axisLabelFill: svg.querySelector('.role-axis-label text')?.getAttribute('fill') ?? '',
        marks: [...svg.querySelectorAll('[aria-roledescription]')]
          .filter((m) => !/container$|^axis$|^legend$/.test(m.getAttribute('aria-roledescription')))
          .map((m) => ({
            type: m.getAttribute('aria-roledescription').replace(/ mark$/, ''),
            label: m.getAttribute('aria-label') ?? '',
            strokeWidth: Number(m.getAttribute('stroke-width') ?? 0),
          })),
      };
    },
    chartId,
  );
  if (!raw) throw new Error(`no SVG in #${chartId}-chart`);
  return { ...raw, marks: raw.marks.map((m) => ({ ...m, fields: ariaFields(m.label) })) };
}

/** How the y axis maps values to heights: 'linear' or 'log' when one of them fits all ticks, else ''. */
function yScaleOfTicks(ticks) {
  const points = ticks.map((t) => ({ v: toNumber(t.text), y: t.y })).filter((p) => p.v > 0);
  if (points.length < 3) return '';
  const fits = (f) => {
    const slope = (points[1].y - points[0].y) / (f(points[1].v) - f(points[0].v));
    return points.every((p) => close(points[0].y + slope * (f(p.v) - f(points[0].v)), p.y, 1.5));
  };
  return fits((v) => v) ? 'linear' : fits(Math.log) ? 'log' : '';
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

/**
 * code-server's simple file dialog (a quick input holding a path) titled `title`: waits until it
 * proposes a path ending in `expected` (it fills in the folder first, then the name), returns it.
 */
async function dialogProposal(page, title, expected) {
  let proposed = await quickInputTitled(page, title);
  await until(async () => {
    proposed = await quickInputBox(page).inputValue();
    return proposed.endsWith(expected);
  }, `a path ending in ${expected} in the dialog "${title}"`).catch((err) => {
    throw new Error(`${err.message}; it shows ${proposed}`);
  });
  return proposed;
}

/** In the visible quick pick, types `filter` and chooses the row that shows `label`. */
async function pick(page, label, filter = label) {
  const input = quickInputBox(page);
  await input.fill(filter);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();
}

/**
 * F1 → `title` (a command palette entry) → Enter. The palette is reopened until it holds `>title`
 * and offers the command: a quick input that is still closing, or a webview that takes the focus
 * while it activates (the palette closes when it loses the focus), can swallow F1 or the typing.
 */
async function runCommand(page, title, { choose = true } = {}) {
  const input = quickInputBox(page);
  const row = commandRow(page, title);
  await until(
    async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      const open = await until(
        async () => (await input.isVisible()) && (await input.inputValue()).startsWith('>'),
        'the command palette',
        3000,
      ).catch(() => false);
      if (!open) return false;
      await input.fill(`>${title}`, { timeout: 3000 });
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      return (await input.inputValue()) === `>${title}`;
    },
    `the command palette (F1) offering "${title}"`,
    60_000,
  );
  if (choose) await row.click();
}

/** The row of the command palette that shows `title`. */
const commandRow = (page, title) =>
  page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();

/** Chooses `title` in the command palette opened by runCommand(page, title, { choose: false }). */
async function chooseCommand(page, title) {
  const row = commandRow(page, title);
  if (!(await row.isVisible())) throw new Error(`the command palette no longer offers "${title}"`);
  await row.click();
}

/**
 * As a user does it: F1 → "Preferences: Color Theme" → `label`; waits for the workbench to carry
 * `workbenchClass`. The settings file is written too, so a reload keeps the theme.
 */
async function switchTheme(page, label, theme, workbenchClass) {
  writeUserSettings(ctx.server.dirs, settingsFor(theme));
  await runCommand(page, 'Preferences: Color Theme');
  await quickInputBox(page).fill(label);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator(`.monaco-workbench.${workbenchClass}`).waitFor();
}

/** The custom editor of the checkpoint file, its Layers or Model tab, and the Python hover. */
const editorFile = FILES.w0;
const editorTab = (page) => page.locator('.tabs-container .tab', { hasText: editorFile }).first();
const panelTab = (page, file) =>
  page.locator('.tabs-container .tab', { hasText: `RMT Lens — ${file}` }).first();

async function showEditorTab(page, which) {
  await editorTab(page).click();
  return showPageTab(page, which);
}

/** Clicks the page's Layers or Model tab and waits for its view. */
async function showPageTab(page, which) {
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

/** Clicks a layer's row in the table (its name cell) and waits for the layer view to show it. */
async function selectLayer(page, name) {
  const frame = reportFrame(page);
  await frame.locator(`vscode-data-grid-row[data-key="${name}"] [data-column="name"]`).click();
  await frame.locator('.layer-view .layer-name', { hasText: name }).waitFor();
}

/** Clicks a column header until the table is sorted by it in `direction`. */
async function sortBy(page, column, direction) {
  const header = reportFrame(page).locator(`.header-row [data-column="${column}"]`);
  await until(async () => {
    if ((await header.getAttribute('aria-sort')) === direction) return true;
    await header.click();
    await page.waitForTimeout(200);
    return false;
  }, `the table sorted by ${column}, ${direction}`);
}

/** Scrolls the layer view (verdict, numbers, charts) to the top of the page, for a screenshot. */
const scrollToLayerView = (page) =>
  inPage(page, () => document.querySelector('.layer-view')?.scrollIntoView({ block: 'start' }));

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
      await hover.waitFor({ state: 'visible', timeout: 6000 });
      const text = (await hover.innerText()).replace(/\s+/g, ' ');
      return text.includes(MODEL_LAYERS.spiked) && text;
    },
    `the RMT Lens hover on self.fc2 of ${FILES.python}`,
    45_000,
  );
}

/**
 * What Compare checkpoints must find, computed here independently with ml-matrix: per layer the
 * planted relative change, the top-10 subspace overlaps (‖U_kᵀU₀ₖ‖²_F / k) and both largest singular values.
 */
function checkpointReference(k = 10) {
  const [rows, cols] = CHECKPOINT_SHAPE;
  const { w0, w } = checkpointPair();
  const svd = (data) =>
    new SVD(
      new Matrix(Array.from({ length: rows }, (_, i) => Array.from(data.slice(i * cols, (i + 1) * cols)))),
      {
        autoTranspose: true,
      },
    );
  const overlap = (a, b) => {
    let sum = 0;
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        let dot = 0;
        for (let t = 0; t < a.rows; t++) dot += a.get(t, i) * b.get(t, j);
        sum += dot * dot;
      }
    return sum / k;
  };
  return CHECKPOINT_CHANGES.map(([name, change], i) => {
    const trained = svd(w[i].data);
    const initial = svd(w0[i].data);
    return {
      name,
      change,
      left: overlap(trained.leftSingularVectors, initial.leftSingularVectors),
      right: overlap(trained.rightSingularVectors, initial.rightSingularVectors),
      topTrained: trained.diagonal[0],
      topInitial: initial.diagonal[0],
    };
  });
}

/** Header, badges and column headers of the report page that are cut off or out of view. */
const layoutProblems = (page) =>
  inPage(page, () => {
    const problems = [];
    const scrolled = document.scrollingElement.scrollTop;
    if (scrolled > 0) problems.push(`the page is scrolled down by ${scrolled} px`);
    for (const [what, selector] of [
      ['the file name', 'h1.file-name'],
      ['Export JSON', '#export-json'],
      ['Export CSV', '#export-csv'],
      ['the Layers tab', '#tab-layers'],
      ['the Model tab', '#tab-model'],
    ]) {
      const box = document.querySelector(selector)?.getBoundingClientRect();
      if (!box || box.width === 0) problems.push(`${what} is not shown`);
      else if (box.top < 0 || box.bottom > innerHeight || box.left < 0 || box.right > innerWidth)
        problems.push(`${what} is outside the viewport (at ${Math.round(box.left)}, ${Math.round(box.top)})`);
    }
    const grid = document.querySelector('.layer-grid');
    if (!grid) return [...problems, 'no layer table'];
    if (grid.scrollWidth > grid.clientWidth + 1)
      problems.push(
        `the table scrolls sideways (${grid.scrollWidth} px of content in ${grid.clientWidth} px)`,
      );
    const gridRight = grid.getBoundingClientRect().right;
    for (const cell of grid.querySelectorAll('[cell-type="columnheader"]')) {
      const clipped =
        cell.scrollWidth > cell.clientWidth + 1 ||
        cell.scrollHeight > cell.clientHeight + 1 ||
        cell.getBoundingClientRect().right > gridRight + 1;
      if (clipped) problems.push(`column header "${cell.textContent.trim()}" is clipped`);
    }
    for (const badge of grid.querySelectorAll('.badge')) {
      const cell = badge.closest('vscode-data-grid-cell');
      const truncated =
        badge.scrollWidth > badge.clientWidth + 1 ||
        badge.getBoundingClientRect().right > cell.getBoundingClientRect().right + 1;
      if (truncated) problems.push(`verdict badge "${badge.textContent}" is truncated`);
    }
    return problems;
  });

/** Waits until `file` exists and is not empty (a save is asynchronous), returns its bytes. */
async function written(file) {
  await until(() => existsSync(file) && statSync(file).size > 0, `${file} to be written`);
  return readFileSync(file);
}

/** CSV text (RFC 4180: quoted fields may hold commas, quotes and line breaks) → rows of fields. */
function csvRows(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[i++];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      rows.push([...row, field]);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

/** The cPSE numbers of the summary sentences: { model, baseline } (undefined where absent). */
function summaryCpse(summary) {
  const number = (re) => {
    const m = summary.match(re);
    return m ? toNumber(m[1]) : undefined;
  };
  return {
    model: number(/(?:^|\.\s)cPSE = (\S+) \(/),
    baseline: number(/Gaussian baseline of the same shapes \(seed \d+\): cPSE = (\S+) \(/),
  };
}

/** The progress notification of the analysis of `file`. */
const progressToast = (page, file) =>
  page.locator('.notification-toast', { hasText: `RMT Lens: analysing ${file}` }).first();

/**
 * The extension's status bar item while it analyses `file` ("RMT Lens: name k/N"). Unlike the
 * notification, which Escape or the command palette tuck away, it stays until the analysis ends.
 */
const analysisStatus = (page, file) =>
  page.locator('.statusbar-item', { hasText: `RMT Lens: ${file}` }).first();

/** "k/N" of the status bar item, as [k, N], or undefined while it shows no count. */
async function statusProgress(item) {
  const m = /(\d+)\/(\d+)/.exec(await item.innerText({ timeout: 2000 }));
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * Every row of the report page: name, verdict label (the badge's class), whether it still waits, and
 * the exact numbers of a few columns (from the cells' tooltips); plus the page's status line.
 */
const reportRows = (page) =>
  inPage(page, () => {
    const exact = (row, id) => {
      const title = row.querySelector(`[data-column="${id}"]`)?.title ?? '';
      return title.slice(title.lastIndexOf(': ') + 2);
    };
    const rows = [...document.querySelectorAll('.layer-grid vscode-data-grid-row[data-key]')].map((r) => {
      const badge = r.querySelector('[data-column="verdict"] .badge');
      const label = [...(badge?.classList ?? [])].find((c) => c.startsWith('badge-'))?.slice(6) ?? '';
      return {
        name: r.dataset.key,
        label,
        verdict: badge?.textContent ?? '',
        numbers: ['outliers', 'sigma', 'ratio', 'pGoe', 'spectralNorm'].map((id) => exact(r, id)),
      };
    });
    const status = document.querySelector('.status');
    return { rows, status: status?.className ?? '', statusText: status?.textContent ?? '' };
  });

/** Whether a row shows a finished analysis (a verdict, not "pending" or "not analysed"). */
const rowDone = (row) => row.label !== '' && row.label !== 'pending' && row.label !== 'failed';

/** Opens the Problems panel (Ctrl+Shift+M toggles it: only when it is not shown). */
async function showProblems(page) {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible())) {
    await page
      .locator('.monaco-workbench')
      .click({ position: { x: 5, y: 5 } })
      .catch(() => {});
    await page.keyboard.press('Control+Shift+M');
  }
  await panel.waitFor({ state: 'visible' });
}

/** The report cache of the extension in code-server's user data: { name: parsed JSON or the parse error }. */
function reportCacheEntries() {
  const dir = join(ctx.server.dirs.userData, 'User', 'globalStorage', 'rmt-lens.rmt-lens', 'reports');
  if (!existsSync(dir)) return { dir, names: [], entries: {} };
  const names = readdirSync(dir);
  const entries = {};
  for (const n of names.filter((f) => f.endsWith('.json'))) {
    try {
      entries[n] = JSON.parse(readFileSync(join(dir, n), 'utf8'));
    } catch (err) {
      entries[n] = { unreadable: oneLine(err) };
    }
  }
  return { dir, names, entries };
}

const tests = [
  {
    id: 'workbench',
    name: 'the workbench opens the workspace and the Explorer lists the weight files',
    async run({ page }) {
      await page.goto(workbenchUrl(ctx.server, ctx.workspace), { timeout: STEP_TIMEOUT_MS });
      await page.locator('.monaco-workbench').waitFor({ timeout: STEP_TIMEOUT_MS });
      for (const f of [FILES.model, FILES.npy]) await explorerRow(page, f);
    },
  },
  {
    id: 'menu',
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
      for (const command of ['Compare with random baseline', 'Compare checkpoints'])
        if (!items.includes(command)) throw new Error(`"${command}" missing: ${items.join(' | ')}`);
      await shot(page, 'context-menu');
      await page.keyboard.press('Escape');
      const readme = await contextMenuItems(page, 'README.md');
      await page.keyboard.press('Escape');
      if (readme.includes('Analyze weights')) throw new Error('"Analyze weights" offered for README.md');
    },
  },
  {
    id: 'report',
    name: 'choosing "Analyze weights" opens the report panel',
    needs: 'menu',
    async run({ page }) {
      await chooseFromContextMenu(page, FILES.model, 'Analyze weights', panelTab(page, FILES.model));
      await page.locator('iframe.webview.ready').first().waitFor({ timeout: STEP_TIMEOUT_MS });
    },
  },
  {
    id: 'rows',
    name: 'the report webview shows a table row per layer',
    needs: 'report',
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
    id: 'layout',
    name: 'layout at 1400×900: the report opens with its header in view; no verdict badge or column header is cut off',
    needs: 'rows',
    async run({ page }) {
      await reportFrame(page).locator('.status.status-done').waitFor({ state: 'attached' });
      await reportFrame(page).locator('.layer-grid .badge').first().waitFor();
      const problems = await layoutProblems(page);
      if (problems.length) throw new Error(problems.join('; '));
    },
  },
  {
    id: 'esd',
    name: 'the ESD chart is drawn by vega as SVG',
    needs: 'report',
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
      await shot(page, 'light-report');
      await scrollToLayerView(page);
      await shot(page, 'light-layer-view');
    },
  },
  {
    id: 'esd-log',
    name: 'the ESD chart\'s "Log" switch puts its y axis on a log scale, "Linear" back',
    needs: 'esd',
    async run({ page }) {
      const card = reportFrame(page).locator('section.card[data-chart="esd"]');
      const linear = await chartContent(page, 'esd');
      const yOf = (chart) => chart.axes.find((a) => a.startsWith('Y-axis')) ?? '';
      if (!/ linear scale/.test(yOf(linear)) || yScaleOfTicks(linear.yTicks) !== 'linear')
        throw new Error(`the ESD chart does not start linear: ${yOf(linear)}`);
      await card.locator('vscode-radio', { hasText: 'Log' }).click();
      const logChart = await until(async () => {
        const chart = await chartContent(page, 'esd');
        return chart.mode === 'log' && / log scale/.test(yOf(chart)) && chart;
      }, 'the ESD chart redrawn with a log y axis');
      // Read the ticks as a user does: equal ratios of density are equal distances on the axis.
      const ticks = logChart.yTicks.map((t) => t.text).join(', ');
      if (yScaleOfTicks(logChart.yTicks) !== 'log')
        throw new Error(`the y ticks (${ticks}) are not on a log scale`);
      if (VERBOSE) log(`  log ticks: ${ticks}`);
      await card.scrollIntoViewIfNeeded();
      await shot(page, 'light-esd-log');
      await card.locator('vscode-radio', { hasText: 'Linear' }).click();
      await until(async () => {
        const chart = await chartContent(page, 'esd');
        return chart.mode === 'linear' && yScaleOfTicks(chart.yTicks) === 'linear';
      }, 'the ESD chart back on a linear y axis');
    },
  },
  {
    id: 'chart-export',
    name: "a chart's SVG and PNG buttons save the chart where the save dialog says",
    needs: 'esd',
    async run({ page }) {
      const frame = reportFrame(page);
      const layer = (await frame.locator('.layer-view .layer-name').innerText()).trim();
      const card = frame.locator('section.card[data-chart="esd"]');
      const saved = {};
      for (const format of ['svg', 'png']) {
        await card.locator('vscode-button', { hasText: format.toUpperCase() }).click();
        const name = `model-${layer}-esd.${format}`;
        const proposed = await dialogProposal(page, `Export ${layer}-esd as ${format.toUpperCase()}`, name);
        if (proposed !== join(ctx.workspace, name))
          throw new Error(`the dialog proposes ${proposed}, not ${name} beside the weight file`);
        await page.keyboard.press('Enter');
        saved[format] = await written(proposed);
        await page.locator('.statusbar', { hasText: `RMT Lens: saved ${name}` }).waitFor();
      }
      const svg = saved.svg.toString('utf8');
      if (
        !svg.startsWith('<svg') ||
        !svg.includes('singular value ν') ||
        (svg.match(/<path/g) ?? []).length < 20
      )
        throw new Error(`the SVG is not the ESD chart: ${svg.slice(0, 200)}`);
      const png = saved.png;
      if (png.subarray(1, 4).toString('latin1') !== 'PNG') throw new Error('the PNG file is not a PNG');
      // The PNG is drawn at twice the SVG's size.
      const svgWidth = Number(svg.match(/^<svg[^>]*\swidth="([\d.]+)"/)?.[1]);
      const pngWidth = png.readUInt32BE(16);
      if (!(svgWidth > 100) || Math.abs(pngWidth - 2 * svgWidth) > 2)
        throw new Error(`PNG ${pngWidth} px wide for an SVG of ${svgWidth} px`);
    },
  },
  {
    id: 'export-report',
    name: 'Export JSON (page button) and Export CSV (F1, quick pick) write the report where the save dialog says',
    needs: 'report',
    async run({ page }) {
      const frame = reportFrame(page);
      await showPageTab(page, 'layers');
      const tableOutliers = await columnValues(page, 'outliers');
      // JSON from the page's button, to a name the user types over the proposed one.
      await frame.locator('#export-json').click();
      const proposed = await dialogProposal(page, 'Export RMT Lens report', 'model.rmt-lens.json');
      if (proposed !== join(ctx.workspace, 'model.rmt-lens.json'))
        throw new Error(`the dialog proposes ${proposed}`);
      const jsonFile = join(ctx.workspace, 'my-report.json');
      await quickInputBox(page).fill(jsonFile);
      await page.keyboard.press('Enter');
      const report = JSON.parse((await written(jsonFile)).toString('utf8'));
      await page.locator('.statusbar', { hasText: 'RMT Lens: saved my-report.json' }).waitFor();
      const names = report.layers?.map((l) => l.name) ?? [];
      if (names.join() !== [MODEL_LAYERS.noise, MODEL_LAYERS.spiked].join())
        throw new Error(`the JSON has layers ${names.join(', ')}`);
      if (report.layers.map((l) => l.mp.outliers).join() !== tableOutliers.join())
        throw new Error(
          `outliers ${report.layers.map((l) => l.mp.outliers)} in the JSON, ${tableOutliers} in the table`,
        );
      if (existsSync(proposed)) throw new Error('the proposed file was written as well');
      // CSV through the command palette.
      await runCommand(page, 'RMT Lens: Export report');
      await quickInputTitled(page, 'Export format');
      await pick(page, 'CSV');
      const csvFile = await dialogProposal(page, 'Export RMT Lens report', 'model.rmt-lens.csv');
      await page.keyboard.press('Enter');
      const [header, ...rows] = csvRows((await written(csvFile)).toString('utf8'));
      await page.locator('.statusbar', { hasText: 'RMT Lens: saved model.rmt-lens.csv' }).waitFor();
      const nameColumn = header.indexOf('name');
      if (nameColumn < 0 || rows.map((r) => r[nameColumn]).join() !== names.join())
        throw new Error(
          `the CSV rows are ${rows.map((r) => r[nameColumn]).join(', ')} (columns ${header.length})`,
        );
      if (rows.some((r) => r.length !== header.length))
        throw new Error('a CSV row has a different column count');
    },
  },
  {
    id: 'problems',
    name: 'the Problems panel lists the spiked layer (and not the noise layer)',
    needs: 'report',
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
    id: 'dark',
    name: 'switching to a dark theme re-themes the workbench and the report webview',
    needs: 'report',
    async run({ page }) {
      await switchTheme(page, DARK_LABEL, DARK, 'vs-dark');
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
    id: 'cancel',
    name: 'the progress notification counts layers, and its Cancel stops the analysis without diagnostics',
    needs: 'menu',
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
    id: 'reload-webview',
    name: 'the webview reloaded mid-analysis ("Developer: Reload Webviews") comes back and fills in every layer; Problems lists the non-random ones',
    needs: 'menu',
    async run({ page }) {
      await page.keyboard.press('Escape');
      const toast = progressToast(page, FILES.reload);
      const status = analysisStatus(page, FILES.reload);
      await chooseFromContextMenu(page, FILES.reload, 'Analyze weights', toast);
      await panelTab(page, FILES.reload).waitFor();
      // The command is ready in the palette beforehand, so the reload starts the moment it is chosen.
      await inPage(page, () => (window.rmtLensE2eMark = true));
      await runCommand(page, 'Developer: Reload Webviews', { choose: false });
      // Some layers done, more to come: reload now.
      const [doneBefore] = await until(
        async () => {
          const p = await statusProgress(status);
          return p && p[0] >= 1 && p;
        },
        `a first layer of ${FILES.reload} done`,
        STEP_TIMEOUT_MS,
      );
      if (doneBefore >= RELOAD_LAYERS - 2)
        throw new Error(`${doneBefore}/${RELOAD_LAYERS} layers were done before the reload could start`);
      const filledBefore = await until(async () => {
        const r = await reportRows(page);
        return r.rows.length === RELOAD_LAYERS && r.rows.filter(rowDone).length >= 1 && r;
      }, 'a filled row in the page before the reload');
      // The mark on the page's window is gone only once the page was really reloaded.
      const reloadAt = Date.now();
      await chooseCommand(page, 'Developer: Reload Webviews');
      const body = reportFrame(page).locator('body');
      await until(
        async () => (await body.evaluate(() => window.rmtLensE2eMark, undefined, { timeout: 1000 })) !== true,
        'the report page to reload',
      );
      if (VERBOSE) log(`  the page reloaded in ${((Date.now() - reloadAt) / 1000).toFixed(1)} s`);
      const progressAtReload =
        (await status.isVisible()) && (await statusProgress(status).catch(() => undefined));
      if (!progressAtReload || progressAtReload[0] > RELOAD_LAYERS - 2)
        throw new Error(
          `the analysis was done or nearly (${progressAtReload?.[0] ?? 'all'} of ${RELOAD_LAYERS}) when the page came back: not mid-analysis`,
        );
      if (VERBOSE)
        log(
          `  reloaded with ${doneBefore} → ${progressAtReload[0]} of ${RELOAD_LAYERS} layers done (${filledBefore.rows.filter(rowDone).length} rows filled before)`,
        );
      // While the analysis still runs, the reloaded page shows every layer done so far (those done
      // before the reload and those done while it reloaded), its count agreeing with its rows: not
      // "Waiting for the analysis…", no lost rows. (The final report would fill in lost rows: so this
      // must be seen before it arrives.)
      let back;
      let doneFirst = false;
      await until(async () => {
        back = await reportRows(page);
        if (/status-done/.test(back.status)) return (doneFirst = true);
        const filled = back.rows.filter(rowDone).length;
        return (
          /status-running/.test(back.status) &&
          back.rows.length === RELOAD_LAYERS &&
          filled >= progressAtReload[0] &&
          back.statusText.includes(`analysing ${filled} of ${RELOAD_LAYERS}`)
        );
      }, 'the reloaded page to show the analysis so far').catch((err) => {
        throw new Error(`${err.message}: "${back?.statusText}"`);
      });
      if (doneFirst)
        throw new Error(
          `the reloaded page never showed the ${progressAtReload[0]} layers done at the reload before the analysis ended`,
        );
      await status.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
      const final = await until(async () => {
        const r = await reportRows(page);
        return /status-done/.test(r.status) && r;
      }, 'the report page to say the analysis is done');
      const names = Array.from({ length: RELOAD_LAYERS }, (_, k) => `reload.${k}.weight`);
      if (final.rows.map((r) => r.name).join() !== names.join() || !final.rows.every(rowDone))
        throw new Error(
          `rows at the end: ${final.rows.map((r) => `${r.name} ${r.label || '(none)'}`).join(', ')}; ${final.statusText}`,
        );
      if (!final.statusText.includes(`${RELOAD_LAYERS} layers analysed`))
        throw new Error(`the page says "${final.statusText}"`);
      // The spiked (odd) layers are not random; Problems lists exactly the layers whose verdict is not random.
      const flagged = final.rows
        .filter((r) => r.label !== 'random' && r.label !== 'too-small')
        .map((r) => r.name);
      for (let k = 1; k < RELOAD_LAYERS; k += 2)
        if (!flagged.includes(`reload.${k}.weight`))
          throw new Error(`the spiked layer reload.${k}.weight reads ${final.rows[k].verdict}`);
      await showProblems(page);
      const filter = page.locator('.part.panel .viewpane-filter input').first();
      await filter.fill('reload.');
      try {
        const entries = page.locator('.markers-panel .monaco-list-row');
        let texts = [];
        await until(
          async () => {
            texts = (await entries.allTextContents()).map((t) => t.replace(/\s+/g, ' '));
            const listed = names.filter((n) => texts.some((t) => t.includes(`${n} [`)));
            return listed.join() === flagged.join();
          },
          `Problems entries for exactly ${flagged.join(', ')}`,
        ).catch((err) => {
          throw new Error(`${err.message}; the Problems panel shows: ${texts.join(' / ')}`);
        });
        // The entries sit under one file row, reload.safetensors, with their count.
        const files = texts.filter((t) => !/ \[\d+×\d+\]: /.test(t));
        if (
          files.length !== 1 ||
          !files[0].startsWith(FILES.reload) ||
          !files[0].endsWith(String(flagged.length))
        )
          throw new Error(
            `the entries are not the ${flagged.length} of ${FILES.reload}: ${texts.join(' / ')}`,
          );
      } finally {
        await filter.fill('');
      }
      await shot(page, 'dark-reloaded');
    },
  },
  {
    id: 'two-windows',
    name: 'two windows analysing the same file at once: both show the full report with the same numbers, no error; one valid cache entry, which a third analysis is served from',
    needs: 'menu',
    async run({ page, browser }) {
      const file = join(ctx.workspace, FILES.twin);
      const cachedBefore = Object.values(reportCacheEntries().entries).filter((e) => e.file === file);
      if (cachedBefore.length) throw new Error(`${FILES.twin} is in the report cache already`);
      // A second page on the same workspace is a second window: its own extension host, the same storage.
      const second = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      second.setDefaultTimeout(STEP_TIMEOUT_MS);
      const secondErrors = [];
      second.on('pageerror', (err) => secondErrors.push(oneLine(err)));
      try {
        await second.goto(workbenchUrl(ctx.server, ctx.workspace), { timeout: STEP_TIMEOUT_MS });
        await second.locator('.monaco-workbench').waitFor({ timeout: STEP_TIMEOUT_MS });
        // Its extension host registers the menus a while after the Explorer shows.
        await until(
          async () => {
            const items = await contextMenuItems(second, FILES.twin);
            await second.keyboard.press('Escape');
            return items.includes('Analyze weights');
          },
          `"Analyze weights" in the second window's context menu of ${FILES.twin}`,
          STEP_TIMEOUT_MS,
        );
        const windows = [page, second];
        await page.keyboard.press('Escape');
        // The editor tab of the report opens when the analysis starts and stays (the progress
        // notification shows only after a delay, and a quick analysis may be over by then).
        for (const w of windows)
          await chooseFromContextMenu(w, FILES.twin, 'Analyze weights', panelTab(w, FILES.twin));
        if (!(await analysisStatus(page, FILES.twin).isVisible()))
          throw new Error(
            'the first window had finished before the second one started: not at the same time',
          );
        const reports = [];
        for (const w of windows) {
          await analysisStatus(w, FILES.twin).waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
          await panelTab(w, FILES.twin).waitFor();
          reports.push(
            await until(async () => {
              const r = await reportRows(w);
              return /status-done/.test(r.status) && r;
            }, 'the report of the window to be done'),
          );
        }
        const names = Array.from({ length: TWIN_LAYERS }, (_, k) => `twin.${k}.weight`);
        reports.forEach((r, i) => {
          if (r.rows.map((row) => row.name).join() !== names.join() || !r.rows.every(rowDone))
            throw new Error(
              `window ${i + 1}: ${r.rows.map((row) => `${row.name} ${row.label || '(none)'}`).join(', ')}; ${r.statusText}`,
            );
          if (r.rows.some((row) => row.numbers.some((n) => n === '')))
            throw new Error(`window ${i + 1}: a number is missing`);
        });
        const summary = (r) => JSON.stringify(r.rows.map((row) => [row.name, row.verdict, row.numbers]));
        if (summary(reports[0]) !== summary(reports[1]))
          throw new Error(`the windows differ:\n${summary(reports[0])}\n${summary(reports[1])}`);
        for (const k of [0, 3, 6])
          if (reports[0].rows[k].label === 'random')
            throw new Error(`the spiked layer twin.${k}.weight reads random`);
        for (const [i, w] of windows.entries()) {
          const errors = await w.locator('.notification-toast:has(.codicon-error)').allTextContents();
          if (errors.length) throw new Error(`window ${i + 1} shows an error: ${errors.join(' / ')}`);
        }
        // Both windows wrote the same cache entry (each through a temporary file and a rename):
        // exactly one entry, complete and parsable, with the numbers both windows show.
        const cache = reportCacheEntries();
        const leftovers = cache.names.filter((n) => !n.endsWith('.json'));
        if (leftovers.length) throw new Error(`left in ${cache.dir}: ${leftovers.join(', ')}`);
        const unreadable = Object.entries(cache.entries).filter(([, e]) => e.unreadable);
        if (unreadable.length) throw new Error(`unreadable cache entries: ${JSON.stringify(unreadable)}`);
        const twins = Object.values(cache.entries).filter((e) => e.file === file);
        if (twins.length !== 1) throw new Error(`${twins.length} cache entries for ${FILES.twin}`);
        const cached = twins[0];
        if (cached.layers?.map((l) => l.name).join() !== names.join())
          throw new Error(`the cached report has layers ${cached.layers?.map((l) => l.name).join(', ')}`);
        cached.layers.forEach((layer, k) => {
          const shown = reports[0].rows[k];
          if (
            layer.mp.outliers !== toNumber(shown.numbers[0]) ||
            !close(layer.spectralNorm, toNumber(shown.numbers[4]), 1e-9 * layer.spectralNorm)
          )
            throw new Error(
              `cached ${layer.name}: ${layer.mp.outliers} outliers, ‖W‖₂ ${layer.spectralNorm}; shown ${shown.numbers}`,
            );
        });
        // A third analysis (the first window, a new panel) is served from that entry: the cached
        // report to its timings (a fresh run would time itself anew).
        await page.bringToFront();
        await panelTab(page, FILES.twin).click();
        await runCommand(page, 'View: Close Editor');
        await panelTab(page, FILES.twin).waitFor({ state: 'detached' });
        await chooseFromContextMenu(page, FILES.twin, 'Analyze weights', panelTab(page, FILES.twin));
        const shownTime = await until(async () => {
          const r = await reportRows(page);
          if (!/status-done/.test(r.status)) return false;
          return inPage(page, () => {
            const fact = [...document.querySelectorAll('.layer-view .fact')].find(
              (f) => f.querySelector('dt')?.textContent === 'Time',
            );
            return (
              document.querySelector('.layer-view .layer-name')?.textContent === 'twin.0.weight' &&
              fact?.title
            );
          });
        }, 'the third analysis of twin.0.weight, with its time');
        const seconds = toNumber(shownTime.slice(shownTime.lastIndexOf(': ') + 2));
        if (!close(seconds, cached.layers[0].seconds, 1e-9 * cached.layers[0].seconds))
          throw new Error(
            `the third analysis took ${seconds} s for twin.0.weight, the cache says ${cached.layers[0].seconds} s: not served from the cache`,
          );
        if (secondErrors.length)
          throw new Error(`page errors in the second window: ${secondErrors.join(' | ')}`);
        await shot(second, 'dark-second-window');
      } finally {
        await second.close();
      }
    },
  },
  {
    id: 'ensemble',
    name: 'F1 → "Generate random matrix ensemble": quick picks, input boxes, save dialog; the file appears in the Explorer',
    needs: 'workbench',
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
      const name = 'ginibre-256x512-x1-seed1.safetensors';
      const proposed = await dialogProposal(page, 'Write the ensemble to', name);
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
    id: 'editor',
    name: '"Open With…" → "RMT Lens: weight file" shows the layer table from the header and an Analyze button',
    needs: 'workbench',
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
    id: 'editor-analyze',
    name: "the custom editor's Analyze button fills in the verdicts",
    needs: 'editor',
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
    id: 'table',
    name: 'the layer table: a header click sorts, the filter box filters, arrow keys move the selection and the layer view follows',
    needs: 'editor-analyze',
    async run({ page }) {
      const frame = await showEditorTab(page, 'layers');
      const fileOrder = CHECKPOINT_CHANGES.map(([name]) => name);
      // Sort by the spectral norm: largest first, then the other way round.
      await sortBy(page, 'spectralNorm', 'descending');
      const norms = await columnValues(page, 'spectralNorm');
      const { names } = await tableState(page);
      if (norms.some((v, i) => !(v >= (norms[i + 1] ?? -Infinity))) || norms.some(Number.isNaN))
        throw new Error(`‖W‖₂ sorted descending reads ${norms.join(', ')}`);
      if ([...names].sort().join() !== [...fileOrder].sort().join())
        throw new Error(`sorting changed the rows: ${names.join(', ')}`);
      await sortBy(page, 'spectralNorm', 'ascending');
      const ascending = await columnValues(page, 'spectralNorm');
      if (ascending.join() !== [...norms].reverse().join())
        throw new Error(`ascending ${ascending.join(', ')} is not the reverse of ${norms.join(', ')}`);
      await sortBy(page, 'index', 'ascending');
      if ((await tableState(page)).names.join() !== fileOrder.join())
        throw new Error('# does not restore file order');

      // Filter: a name, then a verdict word (the rows whose verdict says it).
      const verdicts = (await dataRows(page)).map((r) => r.toLowerCase());
      const filter = frame.locator('vscode-text-field.filter input');
      await filter.click();
      await page.keyboard.type('layers.2');
      const byName = await until(async () => {
        const t = await tableState(page);
        return t.names.length === 1 && t;
      }, 'one row for the filter "layers.2"');
      if (
        byName.names[0] !== 'layers.2.weight' ||
        !byName.count.startsWith(`1 of ${fileOrder.length} layers`)
      )
        throw new Error(`filter "layers.2" shows ${byName.names} (${byName.count})`);
      await filter.fill('random');
      const expected = fileOrder.filter((_, i) => verdicts[i].includes('random'));
      await until(
        async () => (await tableState(page)).names.join() === expected.join(),
        `rows ${expected} for "random"`,
      );
      await filter.fill('');
      await until(async () => (await tableState(page)).names.length === fileOrder.length, 'all rows back');

      // Keyboard: focus the first row, walk with the arrow keys; the layer view follows.
      await selectLayer(page, fileOrder[0]);
      for (const [key, index] of [
        ['ArrowDown', 1],
        ['ArrowDown', 2],
        ['ArrowUp', 1],
        ['ArrowDown', 2],
      ]) {
        await page.keyboard.press(key);
        await until(async () => {
          const t = await tableState(page);
          return t.selected.join() === fileOrder[index] && t.layerView === fileOrder[index];
        }, `${key}: ${fileOrder[index]} selected and shown in the layer view`);
      }
      await page.keyboard.press('Enter');
      await page.waitForTimeout(300);
      const opened = await inPage(page, () => {
        const title = document.querySelector('.layer-view .layer-name');
        const box = title?.getBoundingClientRect();
        return { text: title?.textContent, inView: !!box && box.top >= 0 && box.bottom <= innerHeight };
      });
      if (opened.text !== fileOrder[2] || !opened.inView)
        throw new Error(
          `after Enter the layer view shows ${opened.text}${opened.inView ? '' : ' (out of view)'}`,
        );
      await frame.locator('#esd-chart svg').waitFor();
      await scrollToLayerView(page);
      await shot(page, 'dark-layer-view');
    },
  },
  {
    id: 'hidden',
    name: 'hiding the page (another editor tab) and coming back restores the selection, sort, chart mode and tab',
    needs: 'editor-analyze',
    async run({ page }) {
      const frame = await showEditorTab(page, 'layers');
      const chosen = CHECKPOINT_CHANGES[2][0];
      await sortBy(page, 'spectralNorm', 'descending');
      await selectLayer(page, chosen);
      await frame.locator('section.card[data-chart="esd"] vscode-radio', { hasText: 'Log' }).click();
      await until(async () => (await chartContent(page, 'esd')).mode === 'log', 'the ESD chart in log mode');
      const before = await tableState(page);
      const leaveAndReturn = async () => {
        // A mark on the page's window: gone after the return only if the page was really reloaded.
        await inPage(page, () => (window.rmtLensE2eMark = true));
        await (await explorerRow(page, FILES.python)).click();
        await page.locator('.tabs-container .tab.active', { hasText: FILES.python }).waitFor();
        await editorTab(page).click();
        await reportFrame(page).locator('vscode-panels').waitFor();
        if (await inPage(page, () => window.rmtLensE2eMark === true))
          throw new Error('the page was kept while hidden, so nothing was restored');
      };
      await leaveAndReturn();
      const after = await until(async () => {
        const t = await tableState(page);
        return t.layerView === chosen && t;
      }, `the layer view of ${chosen} after coming back`);
      const esd = await until(() => chartContent(page, 'esd'), 'the ESD chart after coming back');
      const sort = await frame.locator('.header-row [data-column="spectralNorm"]').getAttribute('aria-sort');
      if (
        after.selected.join() !== chosen ||
        after.names.join() !== before.names.join() ||
        sort !== 'descending'
      )
        throw new Error(
          `came back to ${JSON.stringify(after)}, sort ${sort}; left ${JSON.stringify(before)}`,
        );
      if (esd.mode !== 'log' || !esd.axes.some((a) => a.startsWith('Y-axis') && / log scale/.test(a)))
        throw new Error(`the ESD chart came back in ${esd.mode} mode`);

      // The Model tab, likewise.
      await showPageTab(page, 'model');
      await frame.locator('#cpse-chart svg').waitFor();
      await leaveAndReturn();
      await frame.locator('#cpse-chart svg').waitFor();
      const active = await frame.locator('vscode-panels').getAttribute('activeid');
      if (active !== 'tab-model') throw new Error(`came back to ${active}, not the Model tab`);

      // Leave the page as the later tests expect it.
      await showPageTab(page, 'layers');
      await frame.locator('section.card[data-chart="esd"] vscode-radio', { hasText: 'Linear' }).click();
      await sortBy(page, 'index', 'ascending');
    },
  },
  {
    id: 'cpse',
    name: 'the Model tab shows the cPSE curve as SVG',
    needs: 'editor-analyze',
    async run({ page }) {
      const frame = await cpseChart(page);
      const summary = (await frame.locator('vscode-panel-view#view-model').innerText()).replace(/\s+/g, ' ');
      if (!/cPSE = /.test(summary))
        throw new Error(`no cPSE sentence in the model view: ${summary.slice(0, 300)}`);
      await shot(page, 'dark-model');
    },
  },
  {
    id: 'python',
    name: 'a Python line defining the spiked layer: hover with the numbers and a "Show spectrum" CodeLens',
    needs: 'report',
    async run({ page }) {
      const text = await pythonHover(page);
      for (const label of ['verdict', 'outliers above TW', 'σ (MP fit)', 'spectral norm'])
        if (!text.includes(label)) throw new Error(`hover lacks "${label}": ${text}`);
      if (!/\d\.\d/.test(text)) throw new Error(`no numbers in the hover: ${text}`);
      if (VERBOSE) log(`  hover: ${text.slice(0, 300)}`);
      const lenses = page.locator('.monaco-editor .codelens-decoration', { hasText: 'Show spectrum' });
      await until(async () => (await lenses.count()) === 2, 'two "Show spectrum" CodeLenses (fc1, fc2)');
      await shot(page, 'dark-python-hover');
      // The CodeLens of the fc2 line (the lower one: fc2 is defined after fc1) opens the report on that layer.
      const boxes = await Promise.all([0, 1].map((i) => lenses.nth(i).boundingBox()));
      const lower = boxes[1].y > boxes[0].y ? 1 : 0;
      await lenses.nth(lower).locator('a', { hasText: 'Show spectrum' }).click();
      await panelTab(page, FILES.model).waitFor();
      await reportFrame(page).locator('.layer-view .layer-name', { hasText: MODEL_LAYERS.spiked }).waitFor();
      const { selected } = await tableState(page);
      if (selected.join() !== MODEL_LAYERS.spiked) throw new Error(`the table selects ${selected}`);
      await reportFrame(page).locator('#esd-chart svg').waitFor();
    },
  },
  {
    id: 'layout-lens',
    name: 'layout: the report opened on a layer from the CodeLens shows its header, nothing cut off',
    needs: 'python',
    async run({ page }) {
      const problems = await layoutProblems(page);
      if (problems.length) throw new Error(problems.join('; '));
      await shot(page, 'dark-report-from-codelens');
    },
  },
  {
    id: 'compare-checkpoints',
    name: 'Explorer → "Compare checkpoints" → open dialog: per-layer change, top-k overlap, both spectra, lazy/rich summary',
    needs: 'menu',
    async run({ page }) {
      const reference = checkpointReference();
      const title = `Compare ${FILES.w} with which checkpoint?`;
      const dialog = page.locator('.quick-input-widget .quick-input-title', { hasText: title }).first();
      await chooseFromContextMenu(page, FILES.w, 'Compare checkpoints', dialog);
      await until(
        async () => (await quickInputBox(page).inputValue()).startsWith(ctx.workspace),
        'the workspace folder in the open dialog',
      );
      await quickInputBox(page).fill(join(ctx.workspace, FILES.w0));
      await page.keyboard.press('Enter');
      await page.locator('.notification-toast', { hasText: 'layers compared' }).first().waitFor();
      await panelTab(page, FILES.w).waitFor();
      const frame = reportFrame(page);
      await frame.locator('#checkpoint-change-chart svg').waitFor();

      // The summary: the median change is planted, the median overlap computed here; the regime follows.
      const summary = (await frame.locator('.model-summary').innerText()).replace(/\s+/g, ' ');
      const m = summary.match(
        /Against (\S+): (\d+) layers compared: median ‖W−W₀‖\/‖W₀‖ = (\S+), median top-10 subspace overlap = (\S+) → (\S+)/,
      );
      if (!m) throw new Error(`no comparison summary: ${summary}`);
      const medianChange = median(CHECKPOINT_CHANGES.map(([, c]) => c));
      const medianOverlap = median(reference.map((r) => (r.left + r.right) / 2));
      const regime = medianOverlap < 0.5 ? 'rich-like' : medianChange < 0.1 ? 'lazy-like' : 'mixed';
      if (
        m[1] !== FILES.w0 ||
        Number(m[2]) !== CHECKPOINT_CHANGES.length ||
        toNumber(m[3]).toPrecision(3) !== medianChange.toPrecision(3) ||
        !close(toNumber(m[4]), medianOverlap, 0.0015) ||
        m[5] !== regime
      )
        throw new Error(
          `"${m[0]}", expected median ${medianChange}, overlap ${medianOverlap.toFixed(3)}, ${regime}`,
        );

      // The change chart: a bar per layer with its change and overlaps.
      const change = await chartContent(page, 'checkpoint-change');
      for (const series of ['relative change', 'left overlap', 'right overlap'])
        if (!change.legend.includes(series)) throw new Error(`legend ${change.legend} lacks ${series}`);
      for (const r of reference) {
        const bar = change.marks.find((mk) => mk.type === 'bar' && mk.fields.layer === r.name)?.fields;
        if (!bar) throw new Error(`no bar for ${r.name}`);
        const got = {
          change: toNumber(bar['‖W − W₀‖/‖W₀‖']),
          left: toNumber(bar['left overlap']),
          right: toNumber(bar['right overlap']),
        };
        if (
          !close(got.change, r.change, 1e-6 * r.change) ||
          !close(got.left, r.left, 1e-3) ||
          !close(got.right, r.right, 1e-3)
        )
          throw new Error(`${r.name}: chart ${JSON.stringify(got)}, expected ${JSON.stringify(r)}`);
      }
      await shot(page, 'dark-compare-checkpoints');

      // Per layer: the Layers tab lists the file's layers; the last one shows its numbers and both spectra.
      await showPageTab(page, 'layers');
      const last = reference[reference.length - 1];
      await until(
        async () => (await tableState(page)).names.length === reference.length,
        'the layers of ckpt-w',
      );
      await selectLayer(page, last.name);
      const facts = await inPage(page, () =>
        Object.fromEntries(
          [...document.querySelectorAll('.comparison-facts .fact')].map((f) => [
            f.querySelector('dt').textContent,
            f.title.slice(f.title.lastIndexOf(': ') + 2),
          ]),
        ),
      );
      if (
        !close(toNumber(facts['‖W−W₀‖/‖W₀‖']), last.change, 1e-6) ||
        !close(toNumber(facts['Overlap (left)']), last.left, 1e-3) ||
        !close(toNumber(facts['Overlap (right)']), last.right, 1e-3) ||
        toNumber(facts.k) !== 10
      )
        throw new Error(`${last.name} against the initial checkpoint: ${JSON.stringify(facts)}`);
      const spectra = await until(() => chartContent(page, 'checkpoint-spectra'), 'the spectra chart');
      const lines = spectra.marks.filter((mk) => mk.type === 'line');
      if (spectra.legend.join() !== 'trained W,initial W₀' || lines.length !== 2)
        throw new Error(`spectra chart: legend ${spectra.legend}, ${lines.length} lines`);
      // A line's aria-label describes its first point: rank 0, the largest singular value.
      const top = (name) => toNumber(lines.find((l) => l.fields.checkpoint === name)?.fields['ν']);
      if (
        !close(top('trained W'), last.topTrained, 1e-6 * last.topTrained) ||
        !close(top('initial W₀'), last.topInitial, 1e-6 * last.topInitial)
      )
        throw new Error(
          `largest ν ${top('trained W')} / ${top('initial W₀')}, expected ${last.topTrained} / ${last.topInitial}`,
        );
      await frame.locator('section.card[data-chart="checkpoint-spectra"]').scrollIntoViewIfNeeded();
      await shot(page, 'dark-compare-layer');

      // The page offers the analysis of the trained file, and the comparison stays.
      await frame.locator('#analyze').click();
      await frame.locator('.status.status-done').waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
      await until(
        async () => (await dataRows(page)).every((r) => /random|spike|deviating/.test(r)),
        'verdicts',
      );
      await frame.locator('.comparison-facts').waitFor();
    },
  },
  {
    id: 'baseline',
    name: 'Explorer → "Compare with random baseline": the Model tab overlays the model\'s and a Gaussian cPSE curve',
    needs: 'menu',
    async run({ page }) {
      await chooseFromContextMenu(
        page,
        FILES.deep,
        'Compare with random baseline',
        panelTab(page, FILES.deep),
      );
      const frame = reportFrame(page);
      await frame.locator('.status.status-done').waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
      const chart = await until(async () => {
        const c = await chartContent(page, 'cpse');
        return c.legend.length === 2 && c;
      }, 'two curves in the cPSE chart');
      if (chart.legend.join() !== 'this model,Gaussian baseline') throw new Error(`legend: ${chart.legend}`);
      const lines = chart.marks.filter((mk) => mk.type === 'line');
      const points = (curve) =>
        chart.marks
          .filter((mk) => mk.type === 'point' && mk.fields.curve === curve)
          .map((mk) => toNumber(mk.fields.D_l));
      const model = points('this model');
      const gaussian = points('Gaussian baseline');
      if (lines.length !== 2 || model.length !== DEEP_LAYERS - 2 || gaussian.length !== DEEP_LAYERS - 2)
        throw new Error(
          `${lines.length} lines, ${model.length} + ${gaussian.length} points (expected ${DEEP_LAYERS - 2} each)`,
        );
      if (model.join() === gaussian.join()) throw new Error('the two curves are the same');
      // The summary's cPSE numbers are the mean log₁₀ D of the points drawn.
      const summary = (await frame.locator('.model-summary').innerText()).replace(/\s+/g, ' ');
      const stated = summaryCpse(summary);
      const meanLog = (ds) => ds.reduce((s, d) => s + Math.log10(d), 0) / ds.length;
      for (const [what, ds] of [
        ['model', model],
        ['baseline', gaussian],
      ])
        if (
          stated[what] === undefined ||
          !close(stated[what], meanLog(ds), 1e-3 * Math.abs(meanLog(ds)) + 1e-9)
        )
          throw new Error(
            `${what}: the summary says cPSE = ${stated[what]}, the points give ${meanLog(ds)}: ${summary}`,
          );
      // A user reads a point's numbers from its tooltip (a point not under a dashed saturation rule).
      const ruled = chart.marks.filter((mk) => mk.type === 'rule').map((mk) => mk.fields['depth l']);
      const target = chart.marks.find(
        (mk) =>
          mk.type === 'point' &&
          mk.fields.curve === 'Gaussian baseline' &&
          !ruled.includes(mk.fields['depth l']),
      );
      const box = await frame
        .locator(`#cpse-chart svg [aria-roledescription="point"][aria-label="${target.label}"]`)
        .boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      const tooltip = frame.locator('#vg-tooltip-element');
      const text = await until(async () => {
        const t = (await tooltip.innerText()).replace(/\s+/g, ' ');
        return /Gaussian baseline/.test(t) && t;
      }, 'the tooltip of a baseline point');
      if (!text.includes(target.fields.D_l) || !text.includes(target.fields['layer l+1']))
        throw new Error(`tooltip "${text}" lacks D = ${target.fields.D_l} at ${target.fields['layer l+1']}`);
      await shot(page, 'dark-baseline');
      await page.mouse.move(5, 5);

      // Closed and asked again: the new panel shows the stored report with the baseline, not only the baseline.
      await runCommand(page, 'View: Close Editor');
      await panelTab(page, FILES.deep).waitFor({ state: 'detached' });
      await chooseFromContextMenu(
        page,
        FILES.deep,
        'Compare with random baseline',
        panelTab(page, FILES.deep),
      );
      await frame.locator('.status.status-done').waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
      const again = await until(async () => {
        const c = await chartContent(page, 'cpse');
        return c.legend.length === 2 && c;
      }, 'both curves in the cPSE chart of the reopened panel');
      if (again.legend.join() !== chart.legend.join()) throw new Error(`legend: ${again.legend}`);
    },
  },
  {
    id: 'light',
    name: 'the same views in the light theme (screenshots)',
    needs: 'editor-analyze',
    async run({ page }) {
      await switchTheme(page, LIGHT_LABEL, LIGHT, 'vs');
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
  {
    id: 'light-compare',
    name: 'the comparison views in the light theme (screenshots)',
    needs: 'compare-checkpoints',
    async run({ page }) {
      await panelTab(page, FILES.w).click();
      const frame = await showPageTab(page, 'model');
      await frame.locator('body.vscode-light #checkpoint-change-chart svg').waitFor();
      await shot(page, 'light-compare-checkpoints');
      await showPageTab(page, 'layers');
      await frame.locator('#checkpoint-spectra-chart svg').waitFor();
      await frame.locator('section.card[data-chart="checkpoint-spectra"]').scrollIntoViewIfNeeded();
      await shot(page, 'light-compare-layer');
      if (results.find((r) => r.id === 'baseline')?.ok) {
        await panelTab(page, FILES.deep).click();
        await showPageTab(page, 'model');
        await frame.locator('body.vscode-light #cpse-chart svg').waitFor();
        await shot(page, 'light-baseline');
      }
    },
  },
  {
    id: 'high-contrast',
    name: 'the high-contrast theme re-themes the page and its charts',
    needs: 'editor-analyze',
    async run({ page }) {
      await switchTheme(page, 'Dark High Contrast', 'Default High Contrast', 'hc-black');
      const frame = await showEditorTab(page, 'layers');
      await frame.locator('body.vscode-high-contrast').waitFor();
      const look = await until(async () => {
        const chart = await chartContent(page, 'esd');
        const background = await inPage(page, () => getComputedStyle(document.body).backgroundColor);
        return /^#f{3}(f{3})?$/i.test(chart.axisLabelFill) && { chart, background };
      }, 'white axis labels in the ESD chart');
      if (look.background !== 'rgb(0, 0, 0)') throw new Error(`the page background is ${look.background}`);
      await shot(page, 'hc-editor');
      await scrollToLayerView(page);
      await shot(page, 'hc-layer-view');
      await cpseChart(page);
      await shot(page, 'hc-model');
    },
  },
];

/** RMT_LENS_E2E_ONLY=id,id…: those tests and, transitively, the tests they need (in file order). */
const selected = (() => {
  const only = (process.env.RMT_LENS_E2E_ONLY ?? '').split(',').filter(Boolean);
  if (!only.length) return tests;
  const wanted = new Set(['workbench']); // it opens the page
  const add = (id) => {
    const t = tests.find((x) => x.id === id);
    if (!t) throw new Error(`RMT_LENS_E2E_ONLY: no test "${id}"`);
    wanted.add(id);
    if (t.needs) add(t.needs);
  };
  only.forEach(add);
  return tests.filter((t) => wanted.has(t.id));
})();

// ---------------------------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  const vsix = await ensureVsix();
  const host = ensureHost({ browser: true });
  const scratch = mkdtempSync(join(tmpdir(), 'rmt-lens-e2e-'));
  onInterrupt(() => rmSync(scratch, { recursive: true, force: true }));
  ctx.workspace = join(scratch, 'workspace');
  writeWorkspace(ctx.workspace, { slow: true, python: true, deep: true, faults: true });
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
    for (const [i, t] of selected.entries()) {
      const started = Date.now();
      const needed = t.needs && results.find((r) => r.id === t.needs);
      if (t.needs && !needed?.ok) {
        results.push({ id: t.id, name: t.name, ok: false });
        console.log(`  ✗ ${t.name}: not run, it needs "${needed?.name ?? t.needs}"`);
        continue;
      }
      try {
        await withTimeout(t.run({ page, browser }), STEP_TIMEOUT_MS * 2, t.name);
        results.push({ id: t.id, name: t.name, ok: true });
        console.log(`  ✔ ${t.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (err) {
        results.push({ id: t.id, name: t.name, ok: false });
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
