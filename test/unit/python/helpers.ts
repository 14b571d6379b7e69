import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createWeightFile } from '../../../src/formats/tensor';
import type { TensorLayout } from '../../../src/formats/types';
import { planLayers, type ConvMode } from '../../../src/layers';
import type { MatchableLayer } from '../../../src/layers/sourceMatch';
import { repoRoot } from '../paths';

export function fixture(name: string): string {
  return readFileSync(path.join(repoRoot, 'test/unit/python/fixtures', name), 'utf8');
}

/** 0-based line of the only line of `source` containing `text` (or matching it). */
export function lineOf(source: string, text: string | RegExp): number {
  const lines = source.split('\n');
  const has = (l: string) => (typeof text === 'string' ? l.includes(text) : text.test(l));
  const found = lines.flatMap((l, i) => (has(l) ? [i] : []));
  if (found.length !== 1) throw new Error(`"${text}" is on ${found.length} lines`);
  return found[0];
}

export interface FakeTensor {
  name: string;
  shape: number[];
  layout?: TensorLayout;
  conv?: boolean;
}

/**
 * The layers the real planner makes of these tensors (names, [rows, cols], layout strings), as a report
 * would list them; biases and norms are skipped as in an analysis. Nothing is read.
 */
export function plannedLayers(tensors: FakeTensor[], conv: ConvMode = 'im2col'): MatchableLayer[] {
  const file = createWeightFile({
    path: '/tmp/fixture.bin',
    format: 'fake',
    entries: tensors.map((t) => ({
      info: {
        name: t.name,
        dtype: 'F32',
        shape: t.shape,
        layout: t.layout ?? 'torch',
        ...(t.conv && { conv: true }),
      },
      read: async () => new Float32Array(0),
    })),
  });
  return planLayers(file, { conv }).matrices.map((m) => ({
    name: m.name,
    tensor: m.sourceTensors.join(', '),
    shape: [m.rows, m.cols],
    layout: m.layout,
  }));
}
