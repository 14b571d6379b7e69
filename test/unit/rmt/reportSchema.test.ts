import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../paths';
import { validate, type Schema } from './jsonSchema';
import { createEngine } from '../../../src/linalg';
import { analyzeLayer, type LayerInput } from '../../../src/engine/analyzeLayer';
import { modelStatistics } from '../../../src/engine/modelStatistics';
import { DEFAULT_SETTINGS, SCHEMA_VERSION, type ModelReport } from '../../../src/engine/report';
import { toJson } from '../../../src/engine/json';
import { compareLayers } from '../../../src/rmt/checkpoint';
import { generateEnsemble } from '../../../src/rmt/ensembles';
import { NullCache } from '../../../src/rmt/nullCalibration';

const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schema/report.schema.json'), 'utf8')) as Schema;

async function realReport(): Promise<ModelReport> {
  const engine = await createEngine({ prefer: 'js' });
  const nullCache = new NullCache();
  const inputs: LayerInput[] = [
    ['ginibre', 80, 120],
    ['low-rank', 100, 70],
    ['ginibre', 20, 30],
    ['ginibre', 80, 120],
  ].map(([type, rows, cols], i) => ({
    name: `layer${i}.weight`,
    tensor: `layer${i}.weight`,
    dtype: 'F32',
    layout: '2d',
    rows: rows as number,
    cols: cols as number,
    data: generateEnsemble(type as 'ginibre', rows as number, cols as number, 1, i)[0].re,
  }));
  const results = [];
  for (const input of inputs)
    results.push(await analyzeLayer(input, DEFAULT_SETTINGS, engine, { nullCache }));
  results[0].report.checkpoint = compareLayers(inputs[0].data, inputs[3].data, 80, 120, engine, 5);
  return {
    schemaVersion: SCHEMA_VERSION,
    file: 'model.safetensors',
    format: 'safetensors',
    layers: results.map((r) => r.report),
    model: modelStatistics(
      results.map((r) => ({
        rows: r.report.shape[0],
        cols: r.report.shape[1],
        singularValues: r.singularValues,
        report: r.report,
      })),
      DEFAULT_SETTINGS,
    ),
    skipped: [{ name: 'bias', shape: [80], dtype: 'F32', reason: '1-D tensor' }],
    failed: [],
    provenance: {
      engine: 'rmt-lens',
      version: '0',
      settings: DEFAULT_SETTINGS,
      seconds: 1,
      fileSize: 1,
      fileModified: 'x',
    },
  };
}

describe('report JSON schema (schema/report.schema.json)', () => {
  test('its version is SCHEMA_VERSION', () => {
    assert.equal((schema.properties as Record<string, Schema>).schemaVersion.const, SCHEMA_VERSION);
  });

  test('a real report, serialised as the CLI writes it, validates', async () => {
    const report = await realReport();
    const json = JSON.parse(toJson(report));
    assert.deepEqual(validate(json, schema), []);
    // Non-finite values are strings in JSON and still valid.
    json.model.cpse = '-Infinity';
    assert.deepEqual(validate(json, schema), []);
  });

  test('the validator notices what is wrong', async () => {
    const json = JSON.parse(toJson(await realReport()));
    delete json.layers[0].mp;
    json.layers[0].spacing.pGoe = 'often';
    json.layers[1].surprise = 1;
    const errors = validate(json, schema);
    assert.ok(errors.some((e) => /layers\[0\]: missing mp/.test(e)));
    assert.ok(errors.some((e) => /layers\[0\]\.spacing\.pGoe/.test(e)));
    assert.ok(errors.some((e) => /undocumented field surprise/.test(e)));
  });

  test('the settings in the provenance are described: α in range, vectorsTested complete', async () => {
    const json = JSON.parse(toJson(await realReport()));
    assert.deepEqual(json.provenance.settings.vectorsTested, {
      allUpTo: 1024,
      top: 100,
      bottom: 20,
      bulk: 100,
    });
    assert.equal(json.layers[0].porterThomas.level, 0.05);
    json.provenance.settings.significance = 0.5;
    json.provenance.settings.vectorsTested = { top: 10, bottom: 2, bulk: -1 };
    json.layers[0].porterThomas.level = 0;
    const errors = validate(json, schema);
    assert.ok(
      errors.some((e) => /settings\.significance: 0\.5 above the maximum 0\.2/.test(e)),
      errors.join('\n'),
    );
    assert.ok(errors.some((e) => /settings\.vectorsTested: missing allUpTo/.test(e)));
    assert.ok(errors.some((e) => /vectorsTested\.bulk: -1 below the minimum 0/.test(e)));
    assert.ok(errors.some((e) => /porterThomas\.level: 0 below the minimum/.test(e)));
  });
});
