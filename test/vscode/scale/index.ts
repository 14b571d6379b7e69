// Extension-host entry of scripts/measure-scale.mjs (--extensionTestsPath → out/test/vscode/scale/index.js).
// Not a test suite: test/vscode/index.ts only runs suite/*.test.js, and `npm test` never loads this.
// Analyses the model at $RMT_LENS_SCALE_MODEL through the extension's own API (`analyzeFile`, the
// code path of the "Analyze weights" command: progress notification, panel, streamed layers) and
// writes the measurements as JSON to $RMT_LENS_SCALE_RESULT:
//   seconds            the analysis, from the call to the resolved report
//   openedSeconds      until the first progress report (`layer 0/N`: the file is open, the plan made)
//   firstLayerSeconds  until the first streamed layer (`layer 1/N`)
//   progressReports    progress.report calls of the extension (counted by wrapping window.withProgress)
//   layersStreamed     of those, the ones for a finished layer
//   layers, exact, approximated, failed, skipped   from the report
//   memoryBefore, memoryAfter, memoryPeak          process.memoryUsage() of the extension host
//   rendered           what the webview says it shows (RmtLensApi.webviewRendered), when it answers
// The report cache is switched off first (rmtLens.cacheReports = false), so the analysis really runs;
// $RMT_LENS_SCALE_EXACT_LIMIT, when set, becomes rmtLens.exactLimit.
// It also writes the runner's summary to $RMT_LENS_TEST_RESULT (1 passed or 1 failed) and prints
// RMT_LENS_SCALE_BEGIN / RMT_LENS_SCALE_END around the analysis for the RSS sampler outside.
// Timeout of the analysis: $RMT_LENS_TEST_TIMEOUT_MS (default 3 h); it is cancelled when it expires.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { RmtLensApi } from '../../../src/api';

const EXTENSION_ID = 'rmt-lens.rmt-lens';
const MEMORY_INTERVAL_MS = 500;

type Memory = ReturnType<typeof process.memoryUsage>;

export interface ScaleResult {
  ok: boolean;
  error?: string;
  model: string;
  seconds?: number;
  openedSeconds?: number;
  firstLayerSeconds?: number;
  progressReports: number;
  layersStreamed: number;
  /** False when window.withProgress could not be wrapped: the two counts above mean nothing then. */
  progressObserved: boolean;
  layers?: number;
  exact?: number;
  approximated?: number;
  failed?: number;
  skipped?: number;
  engineSeconds?: number;
  memoryBefore: Memory;
  memoryAfter?: Memory;
  memoryPeak: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  rendered?: { layers: number; selected: string | undefined };
  host: string;
}

function within<T>(promise: Thenable<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve(promise),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => {
        onTimeout?.();
        reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`));
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Wraps window.withProgress so that every progress.report of the extension is seen here (the
 * extension and this module share one `vscode` API object: both live under the extension's folder).
 * Returns a function that undoes it, or undefined when the property cannot be replaced.
 */
function observeProgress(onReport: (message: string | undefined) => void): (() => void) | undefined {
  const win = vscode.window as { withProgress: typeof vscode.window.withProgress };
  const original = win.withProgress;
  type Task<R> = Parameters<typeof vscode.window.withProgress<R>>[1];
  const wrapped = <R>(options: vscode.ProgressOptions, task: Task<R>): Thenable<R> =>
    original.call<typeof vscode.window, [vscode.ProgressOptions, Task<R>], Thenable<R>>(
      vscode.window,
      options,
      (progress, token) =>
        task(
          {
            report: (value) => {
              onReport(value.message);
              progress.report(value);
            },
          },
          token,
        ),
    );
  try {
    win.withProgress = wrapped;
  } catch {
    return undefined;
  }
  if (win.withProgress !== wrapped) return undefined;
  return () => {
    win.withProgress = original;
  };
}

export async function run(): Promise<void> {
  // The runner forwards console output only after this marker (see test/vscode/run.mjs).
  console.log(`RMT_LENS_SUITE_START scale (${process.release.name} ${process.version}, pid ${process.pid})`);
  const model = process.env.RMT_LENS_SCALE_MODEL ?? '';
  const timeoutMs = Number(process.env.RMT_LENS_TEST_TIMEOUT_MS) || 3 * 3600_000;
  const result: ScaleResult = {
    ok: false,
    model,
    progressReports: 0,
    layersStreamed: 0,
    progressObserved: false,
    memoryBefore: process.memoryUsage(),
    memoryPeak: { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 },
    host: `${process.release.name} ${process.version}, pid ${process.pid}`,
  };
  const samplePeak = () => {
    const m = process.memoryUsage();
    const peak = result.memoryPeak;
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    peak.external = Math.max(peak.external, m.external);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
  };
  let sampler: NodeJS.Timeout | undefined;
  let restore: (() => void) | undefined;
  try {
    if (!model) throw new Error('RMT_LENS_SCALE_MODEL is not set');
    if (!fs.existsSync(model)) throw new Error(`${model} does not exist`);
    const extension = vscode.extensions.getExtension<RmtLensApi>(EXTENSION_ID);
    if (!extension) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
    const api = await extension.activate();
    const config = vscode.workspace.getConfiguration('rmtLens');
    await config.update('cacheReports', false, vscode.ConfigurationTarget.Global);
    const exactLimit = Number(process.env.RMT_LENS_SCALE_EXACT_LIMIT);
    if (exactLimit > 0) await config.update('exactLimit', exactLimit, vscode.ConfigurationTarget.Global);

    let started = 0;
    const since = () => (performance.now() - started) / 1000;
    restore = observeProgress((message) => {
      result.progressReports++;
      const done = /^layer (\d+)\/\d+$/.exec(message ?? '');
      if (!done) return;
      if (Number(done[1]) === 0) result.openedSeconds ??= since();
      else {
        result.layersStreamed++;
        result.firstLayerSeconds ??= since();
      }
    });
    result.progressObserved = restore !== undefined;

    result.memoryBefore = process.memoryUsage();
    samplePeak();
    sampler = setInterval(samplePeak, MEMORY_INTERVAL_MS);
    console.log('RMT_LENS_SCALE_BEGIN');
    const cancel = new vscode.CancellationTokenSource();
    started = performance.now();
    const report = await within(
      api.analyzeFile(vscode.Uri.file(model), cancel.token),
      timeoutMs,
      'the analysis',
      () => cancel.cancel(),
    );
    result.seconds = since();
    console.log('RMT_LENS_SCALE_END');
    clearInterval(sampler);
    samplePeak();
    result.memoryAfter = process.memoryUsage();
    if (!report)
      throw new Error('analyzeFile resolved without a report (cancelled, or an error message was shown)');
    result.layers = report.layers.length;
    result.approximated = report.layers.filter((l) => l.approximate).length;
    result.exact = result.layers - result.approximated;
    result.failed = report.failed.length;
    result.skipped = report.skipped.length;
    result.engineSeconds = report.provenance.seconds;
    result.rendered = await within(api.webviewRendered(vscode.Uri.file(model)), 60_000, 'the webview').catch(
      () => undefined,
    );
    result.ok = true;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    clearInterval(sampler);
    restore?.();
  }

  const out = process.env.RMT_LENS_SCALE_RESULT;
  if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2));
  const summary = process.env.RMT_LENS_TEST_RESULT;
  const title = `scale: analyse ${model}`;
  if (summary) {
    fs.writeFileSync(
      summary,
      JSON.stringify({
        passed: result.ok ? 1 : 0,
        failed: result.ok ? 0 : 1,
        tests: [{ title, state: result.ok ? 'passed' : 'failed', error: result.error }],
        host: result.host,
      }),
    );
  }
  console.log(`RMT_LENS_SCALE_RESULT ${JSON.stringify(result)}`);
  if (!result.ok) throw new Error(`${title}: ${result.error}`);
}
