// The report page in a real browser (headless Chromium): table, charts, CSP, theme, state, export.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchBrowser, ReportPage, startServer, waitUntil } from './harness';
import { analysis, FILE, headers, LAYERS, runMessages } from './reports';

describe('report page', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startServer>>;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function openDone(theme: 'light' | 'dark' | 'high-contrast' = 'light'): Promise<ReportPage> {
    const page = await ReportPage.open(browser, server.origin, { theme });
    await page.postAll(await runMessages());
    await page.waitForPosted('rendered');
    return page;
  }

  const rowNames = (page: ReportPage) =>
    page.page.$$eval('vscode-data-grid-row[data-key]', (rows) => rows.map((r) => r.getAttribute('data-key')));

  test('begin fills the table with pending rows; layers fill in as they finish', async () => {
    const page = await ReportPage.open(browser, server.origin);
    await page.post({ type: 'begin', file: FILE, format: 'safetensors', layers: headers(), skipped: 2 });
    await page.page.waitForSelector('vscode-data-grid-row[data-key]');
    assert.deepEqual(
      await rowNames(page),
      LAYERS.map((l) => l.name),
    );
    const pending = await page.page.$$eval('vscode-data-grid-row[data-status="pending"] .badge', (b) =>
      b.map((x) => x.textContent),
    );
    assert.equal(pending.length, LAYERS.length);
    assert.ok(pending.every((t) => t === 'pending'));
    assert.match((await page.page.textContent('.status')) ?? '', /analysing 0 of 6 layers/);

    const { layers } = await analysis();
    await page.post({ type: 'layer', report: layers[1] });
    const row = `vscode-data-grid-row[data-key="${layers[1].name}"]`;
    await page.page.waitForSelector(`${row}[data-status="done"]`);
    const badge = await page.page.textContent(`${row} .badge`);
    assert.equal(badge, layers[1].verdict.summary);
    // The first finished layer is shown at once.
    await page.page.waitForSelector('#esd-chart svg');
    assert.equal(await page.page.textContent('.layer-name'), layers[1].name);
    assert.deepEqual(await page.violations(), []);
    await page.close();
  });

  test('done: every row, the ESD chart as SVG, a rendered message, no CSP violation, no error', async () => {
    const page = await openDone();
    const rendered = await page.waitForPosted('rendered');
    const { layers } = await analysis();
    assert.equal(rendered.layers, LAYERS.length);
    // First non-"too small" layer selected by default.
    assert.equal(rendered.selected, layers[0].name);

    assert.deepEqual(
      await rowNames(page),
      LAYERS.map((l) => l.name),
    );
    const badges = await page.page.$$eval('vscode-data-grid-row[data-key] .badge', (b) =>
      b.map((x) => x.textContent),
    );
    assert.deepEqual(
      badges,
      layers.map((l) => l.verdict.summary),
    );
    const smallRow = 'vscode-data-grid-row[data-key="classifier.weight"]';
    assert.equal(await page.page.textContent(`${smallRow} [data-column="shape"]`), '10 × 128');
    const sigma = await page.page.textContent(`${smallRow} [data-column="sigma"]`);
    const digits = (sigma ?? '').replace(/^[0.]+/, '').replace('.', '');
    assert.ok(
      /^\d+$/.test(digits) && digits.length <= 4,
      `σ cell "${sigma}" shows at most 4 significant digits`,
    );

    // ESD: one bar per non-empty bin, the MP curve, the TW rule.
    const svg = '#esd-chart svg';
    const bars = await page.page.$$eval(`${svg} .mark-rect.role-mark path`, (p) => p.length);
    const nonEmpty = layers[0].esd.histogram.density.filter((d) => d > 0).length;
    assert.ok(bars >= nonEmpty && bars <= layers[0].esd.histogram.density.length, `${bars} bars`);
    const shuffled = layers[0].baseline !== undefined;
    assert.equal(
      await page.page.$$eval(`${svg} .mark-line.role-mark path`, (p) => p.length),
      shuffled ? 2 : 1,
    );
    assert.equal(await page.page.$$eval(`${svg} .mark-rule.role-mark line`, (p) => p.length), 1);
    const legend = await page.page.$$eval(`${svg} .role-legend-label text`, (t) =>
      t.map((x) => x.textContent),
    );
    assert.deepEqual(legend, ['singular values', 'MP fit', ...(shuffled ? ['shuffled W'] : [])]);

    assert.deepEqual(await page.violations(), []);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('click and keyboard select a layer; the host hears about it', async () => {
    const page = await openDone();
    const target = LAYERS[3].name;
    await page.page.click(`vscode-data-grid-row[data-key="${target}"] [data-column="name"]`);
    const selected = await page.waitForPosted('selectLayer');
    assert.equal(selected.name, target);
    await page.waitForLayer(target);
    assert.equal(
      await page.page.getAttribute(`vscode-data-grid-row[data-key="${target}"]`, 'aria-selected'),
      'true',
    );
    // Arrow down moves focus, and the selection follows.
    await page.page.keyboard.press('ArrowDown');
    const next = await page.waitForPosted('selectLayer', 2);
    assert.equal(next.name, LAYERS[4].name);
    await page.waitForLayer(LAYERS[4].name);
    await page.close();
  });

  test('the host selects a layer (CodeLens, diagnostics): the page shows it', async () => {
    const page = await openDone();
    await page.page.click('vscode-panel-tab#tab-model');
    await page.post({ type: 'selectLayer', name: LAYERS[2].name });
    await page.waitForLayer(LAYERS[2].name);
    assert.equal(await page.page.getAttribute('vscode-panels', 'activeid'), 'tab-layers');
    await page.close();
  });

  test('plan (custom editor): the table from the header and an Analyze button', async () => {
    const page = await ReportPage.open(browser, server.origin);
    await page.post({ type: 'plan', file: FILE, format: 'safetensors', layers: headers(), skipped: 2 });
    await page.page.waitForSelector('vscode-data-grid-row[data-key]');
    assert.deepEqual(
      await rowNames(page),
      LAYERS.map((l) => l.name),
    );
    assert.equal(await page.page.textContent('vscode-data-grid-row[data-key] .badge'), 'not analysed');
    assert.match((await page.page.textContent('.status')) ?? '', /6 matrices, not analysed yet/);
    await page.page.click('#analyze');
    await page.waitForPosted('analyze');
    // The host starts the run: the same panel fills in.
    await page.postAll(await runMessages());
    await page.waitForPosted('rendered');
    assert.equal(await page.page.isHidden('#analyze'), true);
    await page.close();
  });

  test('a failed layer, then an analysis error', async () => {
    const page = await ReportPage.open(browser, server.origin);
    const { layers } = await analysis();
    await page.post({ type: 'begin', file: FILE, format: 'safetensors', layers: headers(), skipped: 0 });
    await page.post({ type: 'layer', report: layers[0] });
    await page.post({
      type: 'layerFailed',
      name: LAYERS[1].name,
      error: 'tensor data ends past the file (offset 123)',
    });
    const failed = `vscode-data-grid-row[data-key="${LAYERS[1].name}"]`;
    await page.page.waitForSelector(`${failed}[data-status="failed"] .badge-failed`);
    assert.match((await page.page.getAttribute(`${failed} .badge`, 'title')) ?? '', /offset 123/);
    await page.post({ type: 'error', message: 'worker crashed' });
    await page.page.waitForSelector('.status.status-error');
    assert.match((await page.page.textContent('.status')) ?? '', /Analysis failed: worker crashed/);
    assert.equal(await page.page.getAttribute('#export-json', 'disabled'), '');
    await page.post({ type: 'cancelled' });
    await page.page.waitForSelector('.status.status-cancelled');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('sorting and filtering', async () => {
    const page = await openDone();
    const { layers } = await analysis();
    await page.page.click('vscode-data-grid-cell[cell-type="columnheader"][data-column="outliers"]');
    await page.page.waitForSelector('[data-column="outliers"][aria-sort="descending"]');
    const byOutliers = [...layers].sort((a, b) => b.mp.outliers - a.mp.outliers || 0);
    const names = await rowNames(page);
    assert.deepEqual(
      names.map((n) => layers.find((l) => l.name === n)?.mp.outliers),
      byOutliers.map((l) => l.mp.outliers),
    );
    await page.page.click('vscode-data-grid-cell[cell-type="columnheader"][data-column="outliers"]');
    await page.page.waitForSelector('[data-column="outliers"][aria-sort="ascending"]');

    await page.page.fill('vscode-text-field.filter input', 'encoder mlp');
    await waitUntil(async () => (await page.page.locator('vscode-data-grid-row[data-key]').count()) === 2);
    assert.match((await page.page.textContent('.row-count')) ?? '', /2 of 6 layers/);
    await page.close();
  });

  test('state survives a reload of the page (hidden panel)', async () => {
    const page = await openDone();
    await page.page.click(`vscode-data-grid-row[data-key="${LAYERS[3].name}"] [data-column="name"]`);
    await page.waitForPosted('selectLayer');
    await page.waitForLayer(LAYERS[3].name);
    await page.page.waitForTimeout(100);
    const state = await page.savedState();
    await page.close();

    const restored = await ReportPage.open(browser, server.origin, { state });
    await restored.page.waitForSelector('#esd-chart svg');
    assert.deepEqual(
      await rowNames(restored),
      LAYERS.map((l) => l.name),
    );
    assert.equal(await restored.page.textContent('.layer-name'), LAYERS[3].name);
    assert.deepEqual(await restored.violations(), []);
    await restored.close();
  });

  test('theme: VS Code colours reach the chart; a theme switch redraws it', async () => {
    const page = await openDone('dark');
    const fills = () =>
      page.page.$$eval('#esd-chart svg', (svgs) => {
        const svg = svgs[0];
        const label = svg.querySelector('.role-axis-label text');
        return {
          background: (svg as unknown as { style: { backgroundColor: string } }).style.backgroundColor,
          label: label?.getAttribute('fill'),
          bar: svg.querySelector('.mark-rect path')?.getAttribute('fill'),
        };
      });
    const dark = await fills();
    assert.equal(dark.background, 'rgb(30, 30, 30)');
    assert.equal(dark.bar, '#3794ff');
    assert.equal(dark.label, '#ccccccb3');
    await page.screenshot('report-dark');

    await page.applyTheme('light');
    await waitUntil(async () => (await fills()).bar === '#1a85ff');
    const light = await fills();
    assert.equal(light.background, 'rgb(255, 255, 255)');
    assert.equal(light.label, '#717171');
    assert.deepEqual(await page.violations(), []);
    await page.close();
  });

  test('charts export to SVG and PNG through the host', async () => {
    const page = await openDone();
    await page.page.click('[data-chart="esd"] vscode-button:has-text("SVG")');
    const svg = await page.waitForPosted('exportChart');
    assert.equal(svg.format, 'svg');
    assert.equal(svg.name, `${LAYERS[0].name}-esd`);
    assert.match(svg.data, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    await page.page.click('[data-chart="esd"] vscode-button:has-text("PNG")');
    const png = await page.waitForPosted('exportChart', 2);
    assert.equal(png.format, 'png');
    assert.match(png.data, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    assert.deepEqual(await page.violations(), []);
    await page.close();
  });

  test('tooltips show exact numbers', async () => {
    const page = await openDone();
    const { layers } = await analysis();
    // The tallest bar of the ESD: its tooltip gives the density with every digit that matters.
    const density = layers[0].esd.histogram.density;
    const tallest = density.indexOf(Math.max(...density));
    const bar = page.page.locator('#esd-chart svg .mark-rect.role-mark path').nth(tallest);
    const box = await bar.boundingBox();
    assert.ok(box);
    await page.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.page.waitForSelector('#vg-tooltip-element.visible');
    const text = (await page.page.textContent('#vg-tooltip-element')) ?? '';
    assert.ok(text.includes(String(Number(density[tallest].toPrecision(10)))), text);
    assert.deepEqual(await page.violations(), []);
    await page.close();
  });

  test('screenshots: light, dark, high contrast, model view', async () => {
    for (const theme of ['light', 'dark', 'high-contrast'] as const) {
      const page = await openDone(theme);
      await page.page.click(`vscode-data-grid-row[data-key="${LAYERS[1].name}"] [data-column="name"]`);
      await page.waitForLayer(LAYERS[1].name);
      await page.page.waitForSelector('#esd-chart svg');
      await page.page.waitForTimeout(300);
      await page.screenshot(`report-${theme}`);
      await page.page.click('vscode-panel-tab#tab-model');
      await page.page.waitForSelector('#cpse-chart svg');
      await page.page.waitForTimeout(200);
      await page.screenshot(`report-${theme}-model`);
      assert.deepEqual(await page.violations(), []);
      assert.deepEqual(page.errors, []);
      await page.close();
    }
  });
});

describe('report page: comparisons', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startServer>>;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('baseline and checkpoint comparison: model view overlays, layer view spectra', async () => {
    const { baseline, comparison } = await analysis();
    const page = await ReportPage.open(browser, server.origin);
    await page.postAll(await runMessages());
    await page.waitForPosted('rendered');
    await page.post({ type: 'baseline', baseline });
    await page.post({ type: 'comparison', comparison });
    // Both switch to the model view: cPSE with two curves, the change chart, the summary sentences.
    await page.page.waitForSelector('#checkpoint-change-chart svg');
    await page.page.waitForSelector('#cpse-chart svg');
    const legend = await page.page.$$eval('#cpse-chart svg .role-legend-label text', (t) =>
      t.map((x) => x.textContent),
    );
    assert.deepEqual(legend, ['this model', 'Gaussian baseline']);
    const summary = (await page.page.textContent('.model-summary')) ?? '';
    assert.match(summary, /Gaussian baseline of the same shapes \(seed 11\)/);
    assert.ok(summary.includes(comparison.summary.text), summary);
    await page.page.waitForTimeout(200);
    await page.screenshot('report-light-comparison-model');

    await page.page.click('vscode-panel-tab#tab-layers');
    await page.page.waitForSelector('#checkpoint-spectra-chart svg');
    assert.match((await page.page.textContent('.comparison-facts')) ?? '', /Overlap \(left\)/);
    await page.page.click('[data-chart="esd"] vscode-radio:has-text("Log")');
    await page.page.waitForSelector('#esd-chart[data-mode="log"] svg');
    await page.page.waitForTimeout(200);
    await page.screenshot('report-light-comparison-layer');
    assert.deepEqual(await page.violations(), []);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
