// The analysis worker: opens weight files and analyses one layer per request.
// It runs in a worker_threads worker (extension host, CLI) and never imports `vscode`.
import { parentPort } from 'node:worker_threads';
import { stat } from 'node:fs/promises';
import type { WorkerAnswer, WorkerRequest } from '../protocol';
import type { AnalysisSettings } from './report';
import type { WeightFile } from '../formats/types';
import type { LayerPlan } from '../layers/types';
import type { SpectrumEngine } from '../linalg/types';
import { openWeightFile } from '../formats/registry';
import { planLayers } from '../layers';
import { createEngine } from '../linalg';
import { analyzeLayer } from './analyzeLayer';
import { errorMessage } from './errors';

interface OpenModel {
  key: string;
  file: WeightFile;
  plan: LayerPlan;
}

let engine: Promise<SpectrumEngine> | undefined;
let current: OpenModel | undefined;

/** Keeps the last file open; reopens it when the path, its size, its mtime or the conv mode change. */
async function openModel(path: string, settings: AnalysisSettings): Promise<OpenModel> {
  const info = await stat(path);
  const key = `${path}|${info.size}|${info.mtimeMs}|${settings.conv}`;
  if (current?.key === key) return current;
  if (current) await current.file.close().catch(() => undefined);
  current = undefined;
  const file = await openWeightFile(path);
  current = { key, file, plan: planLayers(file, { conv: settings.conv }) };
  return current;
}

export async function handle(request: WorkerRequest): Promise<WorkerAnswer> {
  try {
    const model = await openModel(request.file, request.settings);
    if (request.type === 'plan') {
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
    }
    const matrix = model.plan.matrices[request.index];
    if (!matrix) return { type: 'error', message: `layer ${request.index} does not exist` };
    engine ??= createEngine();
    const data = await matrix.read();
    const { report, singularValues } = await analyzeLayer(
      {
        name: matrix.name,
        tensor: matrix.sourceTensors.join(', '),
        dtype: matrix.dtype,
        layout: matrix.layout,
        rows: matrix.rows,
        cols: matrix.cols,
        data,
      },
      request.settings,
      await engine,
    );
    return { type: 'layer', report, singularValues };
  } catch (error) {
    return { type: 'error', message: errorMessage(error) };
  }
}

parentPort?.on('message', (request: WorkerRequest) => {
  void handle(request).then((answer) => {
    const transfer = answer.type === 'layer' ? [answer.singularValues.buffer as ArrayBuffer] : [];
    parentPort?.postMessage(answer, transfer);
  });
});
