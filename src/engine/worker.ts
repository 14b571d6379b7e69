// The analysis worker: opens weight files and answers one request at a time (a plan, one layer's
// analysis, one layer's comparison). It runs in a worker_threads worker (extension host, CLI) and
// never imports `vscode`.
import { availableParallelism } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { stat } from 'node:fs/promises';
import type { WorkerAnswer, WorkerRequest } from '../protocol';
import type { AnalysisSettings } from './report';
import type { WeightFile } from '../formats/types';
import type { LayerMatrix, LayerPlan } from '../layers/types';
import type { SpectrumEngine } from '../linalg/types';
import { openWeightFile } from '../formats/registry';
import { planLayers } from '../layers';
import { createEngine } from '../linalg';
import { compareSvds, topIndices } from '../rmt/checkpoint';
import { analyzeLayer, type BlockLayerInput, type LayerInput } from './analyzeLayer';
import { approximationReason } from './sizePolicy';
import { withDefaults } from './report';
import { TOO_SMALL } from '../rmt/verdict';
import { spectrumSample } from './comparison';
import { errorMessage } from './errors';
import { PersistedNulls } from './persistedNulls';
import { defaultNullCache } from '../rmt/nullCalibration';

interface OpenModel {
  key: string;
  file: WeightFile;
  plan: LayerPlan;
}

/** Files kept open: a comparison needs two. */
const OPEN_LIMIT = 2;
const open: OpenModel[] = [];
let engine: Promise<SpectrumEngine> | undefined;
const nulls = new PersistedNulls(defaultNullCache, (workerData as WorkerOptions | undefined)?.nullCacheFile);

/** What the pool passes to each worker. */
export interface WorkerOptions {
  /** Where the null distributions persist (none: in memory only). */
  nullCacheFile?: string;
}

/** Reuses an open file unless its size, mtime or the open options changed. */
async function openModel(path: string, settings: AnalysisSettings): Promise<OpenModel> {
  const info = await stat(path);
  const key = `${path}|${info.size}|${info.mtimeMs}|${settings.conv}|${settings.lenient === true}`;
  const known = open.find((m) => m.key === key);
  if (known) return known;
  const file = await openWeightFile(path, { lenient: settings.lenient === true });
  const model = { key, file, plan: planLayers(file, { conv: settings.conv }) };
  open.unshift(model);
  for (const stale of open.splice(OPEN_LIMIT)) await stale.file.close().catch(() => undefined);
  return model;
}

function findMatrix(model: OpenModel, name: string): LayerMatrix {
  const matrix = model.plan.matrices.find((m) => m.name === name);
  if (!matrix) throw new Error(`${model.file.path}: no matrix named '${name}'`);
  return matrix;
}

async function answer(request: WorkerRequest): Promise<WorkerAnswer> {
  const model = await openModel(request.file, request.settings);
  switch (request.type) {
    case 'plan':
      return {
        type: 'plan',
        plan: {
          format: model.file.format,
          layers: model.plan.matrices.map((m) => ({
            name: m.name,
            tensor: m.sourceTensors.join(', '),
            shape: [m.rows, m.cols],
            dtype: m.dtype,
            layout: m.layout,
          })),
          skipped: model.plan.skipped,
        },
      };
    case 'analyzeLayer': {
      const matrix = model.plan.matrices[request.index];
      if (!matrix) throw new Error(`layer ${request.index} does not exist`);
      const e = await spectrumEngine(request.threads);
      const { report, singularValues } = await analyzeLayer(
        await layerInput(matrix, request.settings, e),
        request.settings,
        e,
        { consumeInput: true },
      );
      await nulls.save().catch(() => undefined);
      return { type: 'layer', report, singularValues };
    }
    case 'compareLayer': {
      const reference = await openModel(request.reference, request.settings);
      const trained = findMatrix(model, request.name);
      const initial = findMatrix(reference, request.name);
      const [w, w0] = [await trained.read(), await initial.read()];
      const e = await spectrumEngine(request.threads);
      const indices = topIndices(trained.rows, trained.cols, request.k);
      const a = e.svd(w, trained.rows, trained.cols, indices);
      const b = e.svd(w0, initial.rows, initial.cols, indices);
      return {
        type: 'comparison',
        comparison: {
          ...compareSvds(w, w0, a, b),
          name: request.name,
          shape: [trained.rows, trained.cols],
          trained: spectrumSample(a.values),
          initial: spectrumSample(b.values),
        },
      };
    }
  }
}

/**
 * The matrix of one layer, read for the path it takes (sizePolicy.ts): widened block by block
 * straight into the engine's input buffer (the only float64 copy) for the exact path; kept in its
 * file's dtype and widened per block of rows during the products for the approximation.
 */
async function layerInput(
  matrix: LayerMatrix,
  settings: AnalysisSettings,
  e: SpectrumEngine,
): Promise<LayerInput | BlockLayerInput> {
  const header = {
    name: matrix.name,
    tensor: matrix.sourceTensors.join(', '),
    dtype: matrix.dtype,
    layout: matrix.layout,
    rows: matrix.rows,
    cols: matrix.cols,
  };
  const { rows, cols } = matrix;
  if (Math.min(rows, cols) >= TOO_SMALL && approximationReason(rows, cols, withDefaults(settings).exactLimit))
    return { ...header, blocks: await matrix.readRows() };
  const data = e.inputBuffer?.(rows, cols) ?? new Float64Array(rows * cols);
  await matrix.readInto(data);
  return { ...header, data };
}

/**
 * The worker's engine: one thread, and up to every core when the pool gives a request more (a
 * layer that runs alone, see WorkerPool); the helper threads start on the first such request.
 */
async function spectrumEngine(threads = 1): Promise<SpectrumEngine> {
  engine ??= createEngine({ maxThreads: availableParallelism() });
  const e = await engine;
  e.useThreads?.(threads);
  return e;
}

export async function handle(request: WorkerRequest): Promise<WorkerAnswer> {
  try {
    return await answer(request);
  } catch (error) {
    return { type: 'error', message: errorMessage(error) };
  }
}

parentPort?.on('message', (request: WorkerRequest) => {
  void handle(request).then((reply) => {
    const transfer = reply.type === 'layer' ? [reply.singularValues.buffer as ArrayBuffer] : [];
    parentPort?.postMessage(reply, transfer);
  });
});
