// The report page in a real browser (headless Chromium): table, charts, CSP, theme, state, export.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchBrowser, ReportPage, startServer, waitUntil } from './harness';
import type { LayerReport, ModelReport } from '../../../src/engine/report';
import {
  analysis,
  APPROXIMATE_LAYERS,
  APPROXIMATE_LIMIT,
  approximatedAnalysis,
  approximatedMessages,
  FILE,
  headers,
  LAYERS,
  runMessages,
} from './reports';

interface DOMRectLike {
  top: number;
  bottom: number;
}

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

  test('the host selects a layer in a short panel: the grid scrolls to it, the page stays at its header', async () => {
    // 200 px high: the grid (40vh) ends below the visible area, so scrolling the row into view would scroll the page.
    const page = await ReportPage.open(browser, server.origin, { height: 200 });
    await page.postAll(await runMessages());
    await page.waitForPosted('rendered');
    const last = LAYERS[LAYERS.length - 1].name;
    await page.post({ type: 'selectLayer', name: last });
    await page.waitForLayer(last);
    await page.page.waitForTimeout(100);
    const view = await page.page.evaluate((name) => {
      const g = globalThis as unknown as {
        scrollY: number;
        document: { querySelector(s: string): { scrollTop: number; getBoundingClientRect(): DOMRectLike } };
      };
      const grid = g.document.querySelector('.layer-grid');
      const row = g.document.querySelector(`vscode-data-grid-row[data-key="${name}"]`);
      const header = g.document.querySelector('.layer-grid .header-row');
      const r = row.getBoundingClientRect();
      const gr = grid.getBoundingClientRect();
      return {
        pageScroll: g.scrollY,
        gridScroll: grid.scrollTop,
        rowInGrid: r.top >= header.getBoundingClientRect().bottom - 1 && r.bottom <= gr.bottom + 1,
      };
    }, last);
    assert.equal(view.pageScroll, 0);
    assert.ok(view.gridScroll > 0, `grid scrollTop ${view.gridScroll}`);
    assert.ok(view.rowInGrid);
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

  test('the dtype column appears only when the layers differ in dtype', async () => {
    const page = await ReportPage.open(browser, server.origin);
    const mixed = headers().map((h, i) => (i === 2 ? { ...h, dtype: 'BF16' } : h));
    await page.post({ type: 'plan', file: FILE, format: 'safetensors', layers: mixed, skipped: 0 });
    await page.page.waitForSelector('vscode-data-grid-row[data-key]');
    assert.equal(await page.page.textContent('.row-count'), '6 layers');
    const dtypes = await page.page.$$eval('vscode-data-grid-row[data-key] [data-column="dtype"]', (c) =>
      c.map((x) => x.textContent),
    );
    assert.deepEqual(
      dtypes,
      mixed.map((h) => h.dtype),
    );
    await page.post({ type: 'plan', file: FILE, format: 'safetensors', layers: headers(), skipped: 0 });
    await waitUntil(async () => (await page.page.$('[data-column="dtype"]')) === null);
    assert.equal(await page.page.textContent('.row-count'), '6 layers · all F32');
    assert.equal(
      await page.page.getAttribute(
        `vscode-data-grid-row[data-key="${LAYERS[0].name}"] [data-column="shape"]`,
        'title',
      ),
      '128 × 256 · F32',
    );
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

describe('report page: approximated layers (above the exact limit)', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startServer>>;
  let model: ModelReport;
  let approximated: LayerReport[];

  before(async () => {
    [server, browser, model] = await Promise.all([startServer(), launchBrowser(), approximatedAnalysis()]);
    approximated = model.layers.filter((l) => l.approximate);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function openApproximated(
    options: { theme?: 'light' | 'dark'; width?: number } = {},
  ): Promise<ReportPage> {
    const page = await ReportPage.open(browser, server.origin, options);
    await page.postAll(await approximatedMessages());
    await page.waitForPosted('rendered');
    return page;
  }

  const row = (name: string) => `vscode-data-grid-row[data-key="${name}"]`;
  const cell = async (page: ReportPage, name: string, column: string) => {
    const selector = `${row(name)} [data-column="${column}"]`;
    return {
      text: ((await page.page.textContent(selector)) ?? '').trim(),
      title: (await page.page.getAttribute(selector, 'title')) ?? '',
    };
  };

  test('the fixture: the layers above the limit are approximated, one with a lower-bound outlier count', () => {
    assert.deepEqual(
      approximated.map((l) => l.name),
      APPROXIMATE_LAYERS.filter((l) => Math.min(l.rows, l.cols) > APPROXIMATE_LIMIT).map((l) => l.name),
    );
    assert.ok(approximated.some((l) => l.approximate?.outliersLowerBound));
    assert.deepEqual(
      model.model?.excludedFromCpse?.map((e) => e.name),
      approximated.map((l) => l.name),
    );
  });

  test('table: ≈ on estimates, ≥ on a lower bound, n/a with the reason, a tag on the row', async () => {
    const page = await openApproximated();
    assert.equal(await page.page.textContent('.row-count'), '5 layers · all F32 · 2 approximated (≈)');
    // One dtype for all: said once above the table, no column for it.
    assert.equal(await page.page.$('[data-column="dtype"]'), null);
    for (const layer of model.layers) {
      const approximation = layer.approximate;
      assert.equal(
        await page.page.getAttribute(row(layer.name), 'data-approximate'),
        approximation ? '' : null,
        layer.name,
      );
      const badge = `${row(layer.name)} .badge`;
      const text = (await page.page.textContent(badge)) ?? '';
      const dashed = await page.page.$eval(badge, (b) => b.classList.contains('badge-approximate'));
      const norm = await cell(page, layer.name, 'spectralNorm');
      const ratio = await cell(page, layer.name, 'ratio');
      const outliers = await cell(page, layer.name, 'outliers');
      if (!approximation) {
        assert.equal(text, layer.verdict.summary);
        assert.equal(dashed, false);
        assert.ok(!norm.text.startsWith('≈') && !/estimate/.test(norm.title), norm.text);
        assert.match(ratio.text, /^\d\.\d+$/);
        assert.equal(outliers.text, String(layer.mp.outliers));
        continue;
      }
      // The verdict: marked, without the engine's "(approximate)" suffix, the method in its tooltip.
      assert.equal(text, `≈ ${layer.verdict.summary.replace(' (approximate)', '')}`);
      assert.equal(dashed, true);
      assert.match((await page.page.getAttribute(badge, 'title')) ?? '', /Lanczos.*SLQ/s);
      // ‖W‖₂ is the top Ritz value: an estimate.
      assert.match(norm.text, /^≈\d/);
      assert.match(norm.title, /estimate.*top Ritz value/);
      // ⟨r̃⟩ needs the bulk's levels: not computed, and the tooltip says why.
      const reason = approximation.unavailable.find((u) => u.statistic === 'spacingRatio')?.reason ?? '';
      assert.ok(reason.length > 0);
      assert.equal(ratio.text, 'n/a');
      assert.ok(ratio.title.includes(reason), ratio.title);
      for (const column of ['pGoe', 'ptFailures', 'hillAlpha', 'wwAlpha', 'randDistance'])
        assert.equal((await cell(page, layer.name, column)).text, 'n/a', column);
      assert.equal(
        outliers.text,
        approximation.outliersLowerBound ? `≥${layer.mp.outliers}` : String(layer.mp.outliers),
      );
      if (approximation.outliersLowerBound) assert.match(outliers.title, /at least/);
    }
    // Sorting puts n/a last either way.
    await page.page.click('vscode-data-grid-cell[cell-type="columnheader"][data-column="ratio"]');
    await page.page.waitForSelector('[data-column="ratio"][aria-sort="descending"]');
    const names = await page.page.$$eval('vscode-data-grid-row[data-key]', (r) =>
      r.map((x) => x.getAttribute('data-key')),
    );
    assert.deepEqual(new Set(names.slice(-2)), new Set(approximated.map((l) => l.name)));
    assert.deepEqual(await page.violations(), []);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('layer view: a banner on how it was computed, the ESD as an SLQ estimate, the missing charts explained', async () => {
    const page = await openApproximated();
    const layer = approximated.find((l) => !l.approximate?.outliersLowerBound) ?? approximated[0];
    const approximation = layer.approximate!;
    await page.page.click(`${row(layer.name)} [data-column="name"]`);
    await page.waitForLayer(layer.name);
    await page.page.waitForSelector('#esd-chart svg');

    const banner = (await page.page.textContent('.approx-banner')) ?? '';
    const n = Math.min(...layer.shape);
    assert.ok(banner.includes(`Approximated: min(N, M) = ${n} > exact limit ${APPROXIMATE_LIMIT}`), banner);
    assert.ok(banner.includes(`top ${approximation.k} singular values are exact Lanczos values`), banner);
    assert.match(banner, /stochastic Lanczos quadrature \(SLQ, \d+ probes × \d+ steps\)/);
    assert.match(banner, /Not computed, they need the full spectrum: level spacings, spacing ratio/);
    // The engine's own sentences about the approximation are not repeated under the verdict.
    const reasons = await page.page.$$eval('.reasons li', (li) => li.map((x) => x.textContent ?? ''));
    assert.ok(
      reasons.length > 0 && reasons.every((r) => !r.startsWith('approximated:')),
      reasons.join(' | '),
    );
    const fact = (label: string) =>
      page.page.$eval(
        `.facts .fact:has(dt:text-is(${JSON.stringify(label)})) dd`,
        (dd) => dd.textContent ?? '',
      );
    assert.match(await fact('‖W‖₂'), /^≈/);
    assert.doesNotMatch(await fact('‖W‖F'), /^≈/);
    assert.equal(await fact('Lanczos top-k'), String(approximation.k));

    // ESD: the SLQ estimate, labelled as such, with the exact top values as ticks.
    const esd = '[data-chart="esd"]';
    assert.equal(await page.page.textContent(`${esd} h3`), 'Density estimate (SLQ) against Marchenko–Pastur');
    assert.match((await page.page.textContent(`${esd} .caption`)) ?? '', /not a histogram of exact values/);
    const legend = await page.page.$$eval('#esd-chart svg .role-legend-label text', (t) =>
      t.map((x) => x.textContent),
    );
    assert.deepEqual(legend, ['density estimate (SLQ)', 'MP fit', 'top values (Lanczos)']);
    const ticks = await page.page.$$eval('#esd-chart svg .top_values_marks path', (p) => p.length);
    assert.equal(ticks, approximation.topValues.length);

    // The charts that need the full spectrum: not drawn, one card says why.
    for (const id of ['spacing', 'ratio', 'sigma2', 'delta3', 'porter-thomas', 'hill'])
      assert.equal(await page.page.$(`#${id}-chart`), null, id);
    const missing = (await page.page.textContent('[data-chart="missing"]')) ?? '';
    for (const title of [
      'Level spacings',
      'Spacing ratio r̃',
      'Number variance Σ²(L)',
      'Spectral rigidity Δ₃(L)',
      'Singular vectors: Porter–Thomas',
      'Hill plot',
    ])
      assert.ok(missing.includes(title), `${title} in: ${missing}`);
    assert.ok(
      missing.includes(approximation.unavailable.find((u) => u.statistic === 'hill')!.reason),
      missing,
    );
    await page.page.waitForTimeout(200);
    await page.screenshot('report-light-approximated');

    // An exact layer: no banner, no missing-charts card, a histogram.
    const exact = model.layers.find((l) => !l.approximate && l.spacing)!;
    await page.page.click(`${row(exact.name)} [data-column="name"]`);
    await page.waitForLayer(exact.name);
    await page.page.waitForSelector('#spacing-chart svg');
    assert.equal(await page.page.$('.approx-banner'), null);
    assert.equal(await page.page.$('[data-chart="missing"]'), null);
    assert.equal(
      await page.page.textContent('[data-chart="esd"] h3'),
      'Singular values against Marchenko–Pastur',
    );
    assert.deepEqual(await page.violations(), []);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('model view: the layers left out of cPSE, with the reason; the cPSE curve names the right layers', async () => {
    const page = await openApproximated({ theme: 'dark' });
    await page.page.click('vscode-panel-tab#tab-model');
    await page.page.waitForSelector('#cpse-chart svg');
    const summary = (await page.page.textContent('.model-summary')) ?? '';
    assert.match(summary, /2 layers above the exact size limit were approximated/);
    assert.match(summary, /2 approximated layers are left out of cPSE/);
    const excluded = await page.page.$$eval('.cpse-excluded li', (li) => li.map((x) => x.textContent));
    assert.deepEqual(
      excluded,
      model.model!.excludedFromCpse!.map((e) => `${e.name}: ${e.reason}`),
    );
    assert.match(
      (await page.page.textContent('[data-chart="cpse"] .caption')) ?? '',
      /2 approximated layers are left out/,
    );
    // D_1 compares the first two layers of the cascade: the second exact layer, not the file's second.
    const cascade = model.layers.filter((l) => !l.approximate).map((l) => l.name);
    const point = page.page.locator('#cpse-chart svg .mark-symbol.role-mark path').first();
    const box = await point.boundingBox();
    assert.ok(box);
    await page.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.page.waitForSelector('#vg-tooltip-element.visible');
    const tooltip = (await page.page.textContent('#vg-tooltip-element')) ?? '';
    assert.ok(tooltip.includes(cascade[1]), tooltip);
    await page.page.mouse.move(0, 0);
    await page.page.waitForTimeout(200);
    await page.screenshot('report-dark-approximated-model');
    await page.page.click('vscode-panel-tab#tab-layers');
    await page.page.click(`${row(approximated[1].name)} [data-column="name"]`);
    await page.waitForLayer(approximated[1].name);
    await page.page.waitForSelector('#esd-chart svg');
    await page.page.waitForTimeout(200);
    await page.screenshot('report-dark-approximated');
    assert.deepEqual(await page.violations(), []);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('layout at the width of the report in code-server at 1400×900: the table fits, no badge is cut', async () => {
    // 1042 px: the webview's inner width beside the Explorer at 1400×900 (measured in code-server).
    for (const messages of [await runMessages(), await approximatedMessages()]) {
      const page = await ReportPage.open(browser, server.origin, { width: 1042, height: 803 });
      await page.postAll(messages);
      await page.waitForPosted('rendered');
      const layout = await page.page.$eval('.layer-grid', (grid) => {
        const right = grid.getBoundingClientRect().right;
        const cut = (e: { scrollWidth: number; clientWidth: number }) => e.scrollWidth > e.clientWidth;
        return {
          overflow: grid.scrollWidth - grid.clientWidth,
          cutBadges: [...grid.querySelectorAll('.badge')].filter(cut).map((b) => b.textContent),
          // At this width every verdict fits on one line: all badges are one line high.
          badgeHeights: [...new Set([...grid.querySelectorAll('.badge')].map((b) => b.clientHeight))].length,
          cutHeaders: [...grid.querySelectorAll('[cell-type="columnheader"]')]
            .filter((c) => cut(c) || c.getBoundingClientRect().right > right + 0.5)
            .map((c) => c.textContent),
        };
      });
      assert.deepEqual(layout, { overflow: 0, cutBadges: [], badgeHeights: 1, cutHeaders: [] });
      assert.equal(await page.page.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY), 0);
      const header = await page.page.$eval('.report-header', (h) => h.getBoundingClientRect().top);
      assert.ok(header >= 0, `the header starts at ${header}`);
      await page.close();
    }
  });
});
