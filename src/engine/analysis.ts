// One analysis of one weight file: plan in a worker, analyse the layers across the pool,
// then the model-level statistics. Used by the extension host and the CLI alike.
import { stat } from 'node:fs/promises';
import type { LayerHeader, LayerPlanSummary, WorkerAnswer } from '../protocol';
import type { AnalysisSettings, LayerReport, ModelReport } from './report';
import { SCHEMA_VERSION } from './report';
import { modelStatistics } from './modelStatistics';
import { CancelledError } from './errors';
import type { JobMemory, WorkerPool } from './pool';
import { ENGINE_VERSION } from './version';
import { layerMemory } from './sizePolicy';
import { withDefaults } from './report';

export interface AnalysisListener {
  begin?(plan: LayerPlanSummary): void;
  layer?(report: LayerReport, done: number, total: number): void;
  layerFailed?(name: string, error: string, done: number, total: number): void;
}

export async function runAnalysis(
  pool: WorkerPool,
  file: string,
  settings: AnalysisSettings,
  listener: AnalysisListener = {},
  signal?: AbortSignal,
): Promise<ModelReport> {
  const started = performance.now();
  const before = await stat(file);
  const planAnswer = await pool.run({ type: 'plan', file, settings }, signal);
  if (planAnswer.type !== 'plan') throw new Error(answerError(planAnswer));
  const plan = planAnswer.plan;
  listener.begin?.(plan);

  const total = plan.layers.length;
  let done = 0;
  const results = await Promise.all(
    plan.layers.map(async (header, index) => {
      let answer: WorkerAnswer;
      try {
        answer = await pool.run(
          { type: 'analyzeLayer', file, settings, index },
          signal,
          memoryOf(header, plan.format, settings),
        );
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        answer = { type: 'error', message: (error as Error).message };
      }
      done++;
      if (answer.type === 'layer') {
        listener.layer?.(answer.report, done, total);
        return answer;
      }
      const message = answerError(answer);
      listener.layerFailed?.(header.name, message, done, total);
      return { type: 'failed' as const, name: header.name, error: message };
    }),
  );

  const after = await stat(file).catch(() => undefined);
  if (!after || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
    throw new Error(`${file} changed or disappeared during the analysis; run it again`);
  }
  if (signal?.aborted) throw new CancelledError();

  const analysed = results.filter((r) => r.type === 'layer');
  return {
    schemaVersion: SCHEMA_VERSION,
    file,
    format: plan.format,
    layers: analysed.map((r) => r.report),
    skipped: plan.skipped,
    failed: results.flatMap((r) => (r.type === 'failed' ? [{ name: r.name, error: r.error }] : [])),
    model: modelStatistics(
      analysed.map((r) => ({
        rows: r.report.shape[0],
        cols: r.report.shape[1],
        singularValues: r.singularValues,
        name: r.report.name,
        approximate: r.report.approximate !== undefined,
      })),
      settings,
    ),
    provenance: {
      engine: 'rmt-lens',
      version: ENGINE_VERSION,
      settings,
      seconds: (performance.now() - started) / 1000,
      fileSize: before.size,
      fileModified: new Date(before.mtimeMs).toISOString(),
    },
  };
}

/** Layouts the worker reads undecoded in blocks of rows (see layers/rows.ts) when the format gives raw rows. */
const RAW_LAYOUTS = /^(2d|flattened|stacked\[\d+\])$/;

function memoryOf(header: LayerHeader, format: string, settings: AnalysisSettings): JobMemory {
  const [rows, cols] = header.shape;
  const raw = format === 'safetensors' && RAW_LAYOUTS.test(header.layout);
  return layerMemory(rows, cols, header.dtype, withDefaults(settings).exactLimit, raw);
}

function answerError(answer: WorkerAnswer): string {
  return answer.type === 'error' ? answer.message : `unexpected answer '${answer.type}' from the worker`;
}
