// The page's pure modules in node: message validation, number formatting, state updates, approximations.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../../src/protocol';
import {
  approximationOf,
  fieldStatus,
  methodSentence,
  outliersText,
  plainSummary,
} from '../../../webview/approximation';
import { opaque } from '../../../webview/color';
import { formatInteger, formatNumber, formatPValue } from '../../../webview/format';
import { asNumber, numbersAt } from '../../../webview/reportAccess';
import { applyMessage, initialState, layerRows, restoreState, selectedRow } from '../../../webview/state';
import { analysis, approximatedAnalysis, FILE, headers, LAYERS } from './reports';

describe('parseWebviewMessage', () => {
  test('accepts every well-formed message', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'selectLayer', name: 'fc1.weight' }), {
      type: 'selectLayer',
      name: 'fc1.weight',
    });
    assert.deepEqual(parseWebviewMessage({ type: 'rendered', layers: 3, selected: 'a' }), {
      type: 'rendered',
      layers: 3,
      selected: 'a',
    });
    assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'csv' }), {
      type: 'export',
      format: 'csv',
    });
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    assert.deepEqual(
      parseWebviewMessage({ type: 'exportChart', name: 'fc1-esd', format: 'png', data: png }),
      {
        type: 'exportChart',
        name: 'fc1-esd',
        format: 'png',
        data: png,
      },
    );
  });

  test('drops extra fields and rejects anything else', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'cancel', evil: true }), { type: 'cancel' });
    for (const bad of [
      null,
      'ready',
      { type: 'nope' },
      { type: 'selectLayer' },
      { type: 'selectLayer', name: '' },
      { type: 'selectLayer', name: 'x'.repeat(5000) },
      { type: 'export', format: 'xlsx' },
      { type: 'rendered', layers: 1.5 },
      { type: 'exportChart', name: 'a', format: 'svg', data: '<script>alert(1)</script>' },
      { type: 'exportChart', name: 'a', format: 'png', data: 'data:text/html;base64,PGgxPg==' },
      { type: 'exportChart', name: 'a', format: 'gif', data: 'data:image/gif;base64,R0lG' },
    ]) {
      assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('format', () => {
  test('four significant digits, honest non-finite values', () => {
    assert.equal(formatNumber(0.049871), '0.04987');
    assert.equal(formatNumber(2.69921), '2.699');
    assert.equal(formatNumber(1234567), '1.235e6');
    assert.equal(formatNumber(-0.00001234), '\u22121.234e\u22125');
    assert.equal(formatNumber(0), '0');
    assert.equal(formatNumber(NaN), 'NaN');
    assert.equal(formatNumber(-Infinity), '\u2212∞');
    assert.equal(formatNumber(undefined), '—');
    assert.equal(formatPValue(1.23e-17), '1.2e\u221217');
    assert.equal(formatInteger(4096), '4\u2009096');
  });

  test('JSON forms of NaN and ±∞ read back as numbers', () => {
    assert.ok(Number.isNaN(asNumber(null)));
    assert.equal(asNumber('-Infinity'), -Infinity);
    assert.equal(asNumber('7'), undefined);
    assert.deepEqual(numbersAt({ d: [1, 'Infinity', null] }, 'd')?.slice(0, 2), [1, Infinity]);
  });
});

describe('page state', () => {
  test('a run from begin to done; selection defaults to the first analysable layer', async () => {
    const { layers, model } = await analysis();
    let state = applyMessage(initialState(), {
      type: 'begin',
      file: FILE,
      format: 'safetensors',
      layers: headers(),
      skipped: 2,
    });
    assert.deepEqual(
      layerRows(state).map((r) => r.status),
      LAYERS.map(() => 'pending'),
    );
    state = applyMessage(state, { type: 'layer', report: layers[4] });
    assert.equal(selectedRow(state, layerRows(state))?.name, LAYERS[4].name);
    state = applyMessage(state, { type: 'done', report: model });
    assert.equal(state.status, 'done');
    assert.equal(selectedRow(state, layerRows(state))?.name, LAYERS[0].name);
    // What vscode.setState stores survives JSON and restores.
    const restored = restoreState(JSON.parse(JSON.stringify(state)));
    assert.equal(layerRows(restored).length, LAYERS.length);
    assert.deepEqual(restoreState({ version: 99 }), initialState());
  });
});

describe('theme colours', () => {
  test('chart colours lose their alpha', () => {
    assert.equal(opaque('#d186167e'), '#d18616');
    assert.equal(opaque('#abcd'), '#abc');
    assert.equal(opaque('#3794ff'), '#3794ff');
    assert.equal(opaque('rgba(209, 134, 22, 0.5)'), 'rgb(209, 134, 22)');
    assert.equal(opaque('red'), 'red');
  });
});

describe('approximated layers', () => {
  test("a report's exact, estimated and unavailable fields, as the table and the layer view read them", async () => {
    const model = await approximatedAnalysis();
    const exact = model.layers.find((l) => !l.approximate);
    const layer = model.layers.find((l) => l.approximate);
    assert.ok(exact && layer);
    assert.equal(approximationOf(exact), undefined);
    assert.deepEqual(fieldStatus(approximationOf(exact), ['spacing.pGoe']), { kind: 'exact' });

    const approximation = approximationOf(JSON.parse(JSON.stringify(layer)));
    assert.ok(approximation);
    // A statistic covers its fields: `spacing` makes `spacing.pGoe` unavailable, with its reason.
    const spacing = layer.approximate!.unavailable.find((u) => u.statistic === 'spacing')!;
    assert.deepEqual(fieldStatus(approximation, ['spacing.pGoe']), {
      kind: 'unavailable',
      reason: spacing.reason,
    });
    // ‖W‖₂ is listed as `spectralNorm (note)`: either of its paths is estimated, the note kept.
    const norm = fieldStatus(approximation, ['norms.spectralNorm', 'spectralNorm']);
    assert.equal(norm.kind, 'estimated');
    assert.match(norm.kind === 'estimated' ? (norm.note ?? '') : '', /top Ritz value/);
    assert.equal(fieldStatus(approximation, ['norms.matrixRank']).kind, 'estimated');
    // Listed as exact, or not listed at all: exact.
    assert.equal(fieldStatus(approximation, ['mp.sigma']).kind, 'exact');
    assert.equal(fieldStatus(approximation, ['mp.q']).kind, 'exact');
    // `mp.bulkP` is unavailable; its sibling `mp.bulkKs` is not covered by it.
    assert.equal(fieldStatus(approximation, ['mp.bulkP']).kind, 'unavailable');
    assert.equal(fieldStatus(approximation, ['mp.bulkKs']).kind, 'exact');
    assert.equal(approximation.k, layer.approximate!.k);
    assert.equal(approximation.maxTopError, Math.max(...layer.approximate!.topErrors));
  });

  test('the outlier count reads ≥ N only when every resolved top value is an outlier', async () => {
    const model = await approximatedAnalysis();
    for (const layer of model.layers) {
      const bound = layer.approximate?.outliersLowerBound === true;
      assert.equal(outliersText(layer), `${bound ? '≥' : ''}${formatInteger(layer.mp.outliers)}`, layer.name);
    }
    assert.ok(model.layers.some((l) => l.approximate?.outliersLowerBound));
  });

  test('a malformed or older approximation block degrades to what it has', () => {
    const partial = approximationOf({
      approximate: { estimated: ['esd.histogram', 7], unavailable: [{ statistic: 'hill' }] },
    });
    assert.ok(partial);
    assert.deepEqual(partial.estimated, [{ field: 'esd.histogram', note: undefined }]);
    assert.deepEqual(partial.unavailable, []);
    assert.equal(partial.outliersLowerBound, false);
    assert.match(
      methodSentence(partial),
      /^The full spectrum was not computed\. The top singular values are exact Lanczos values; .*\(SLQ\)\.$/,
    );
    assert.equal(plainSummary('bulk random, 2 spikes (approximate)'), 'bulk random, 2 spikes');
    assert.equal(plainSummary('random'), 'random');
  });
});
