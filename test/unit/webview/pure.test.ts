// The page's pure modules in node: message validation, number formatting, state updates.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../../src/protocol';
import { opaque } from '../../../webview/color';
import { formatInteger, formatNumber, formatPValue } from '../../../webview/format';
import { asNumber, numbersAt } from '../../../webview/reportAccess';
import { applyMessage, initialState, layerRows, restoreState, selectedRow } from '../../../webview/state';
import { analysis, FILE, headers, LAYERS } from './reports';

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
