// The headless entry: `rmt-lens analyze FILE --json`, `rmt-lens spectrum FILE --json`, … (see `rmt-lens help`).
// Same engine as the extension, without VS Code. Errors: one line on stderr naming the file, exit code 1.
import * as os from 'node:os';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { runAnalysis } from './engine/analysis';
import { WorkerPool } from './engine/pool';
import { workerScript } from './engine/workerScript';
import { toJson } from './engine/json';
import { errorMessage } from './engine/errors';
import { DEFAULT_SETTINGS, type AnalysisSettings, type ModelReport } from './engine/report';
import { openWeightFile } from './formats/registry';
import { planLayers } from './layers';
import { createEngine } from './linalg';
import { cascadingPse, cpseEigenvalues } from './rmt/spectralErgodicity';
import { ENSEMBLE_TYPES, type EnsembleType } from './rmt/ensembles';
import { writeEnsemble } from './engine/ensembleFile';
import { significanceProblem, vectorsTestedProblem, type VectorsTested } from './rmt/testSettings';

const USAGE = `Usage: rmt-lens <command> [options]

Commands:
  analyze FILE [--json] [--conv im2col|slices|kernel] [--tw 0.9|0.95|0.99] [--workers N] [--lenient]
          [--exact-limit N] [--alpha A] [--vectors TOP,BOTTOM,BULK,ALL_UP_TO]
      Analyse every weight matrix of FILE (RMT.md §2–§9); --json prints the report.
      --exact-limit N (default 4096): layers with min(rows, cols) > N get Lanczos top-100 singular
      values and a density estimate instead of the exact spectrum (RMT.md §10).
      --alpha A (default 0.05, 0.001–0.2): significance level of the spacing test, Porter–Thomas
      (Benjamini–Hochberg) and the information/noise boundary; the bulk fit uses A/5.
      --vectors TOP,BOTTOM,BULK,ALL_UP_TO (default 100,20,100,1024): Porter–Thomas tests every
      singular vector when min(rows, cols) ≤ ALL_UP_TO, else the TOP largest, the BOTTOM smallest
      and BULK evenly spaced in between (RMT.md §5).
      --lenient reads tensors out of whole-module PyTorch pickles and TorchScript archives
      (inert stand-ins for other classes; os, subprocess, sys, builtins are still refused).
  spectrum FILE [--json] [--conv MODE]
      Print the singular values of every matrix of FILE.
  cpse FILE... [--json] [--power 2|4] [--conv MODE]
      cPSE over the matrices of the files in argument order (RMT.md §9, bristol-compatible).
  ensemble --type T --n N [--m M] --count K --seed S --out FILE
      Write K matrices of a random matrix ensemble (T: goe, gue, wishart, ginibre, heavy-tailed,
      low-rank, coe, cue, cse, mme) to FILE (.npy: shape [K, N, M], or [N, M] when K = 1; .npz;
      .safetensors). Seeded: the same arguments always give the same file.
  help
      Show this text.`;

class UsageError extends Error {}

interface Args {
  command: string;
  files: string[];
  flags: Map<string, string | true>;
}

function parseArgs(argv: string[]): Args {
  const [command = 'help', ...rest] = argv;
  const files: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) {
      files.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2);
    if (inline !== undefined) flags.set(name, inline);
    else if (name === 'json' || name === 'lenient') flags.set(name, true);
    else if (i + 1 < rest.length) flags.set(name, rest[++i]);
    else throw new UsageError(`--${name} needs a value`);
  }
  return { command, files, flags };
}

function settingsFrom(flags: Map<string, string | true>): AnalysisSettings {
  const settings = { ...DEFAULT_SETTINGS, lenient: flags.has('lenient') };
  const conv = flags.get('conv');
  if (conv !== undefined) {
    if (conv !== 'im2col' && conv !== 'slices' && conv !== 'kernel')
      throw new UsageError(`unknown --conv ${conv}`);
    settings.conv = conv;
  }
  const tw = flags.get('tw');
  if (tw !== undefined) {
    const level = Number(tw);
    if (level !== 0.9 && level !== 0.95 && level !== 0.99)
      throw new UsageError(`--tw must be 0.9, 0.95 or 0.99`);
    settings.twLevel = level;
  }
  const exactLimit = flags.get('exact-limit');
  if (exactLimit !== undefined) {
    const limit = Number(exactLimit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError('--exact-limit must be a positive integer');
    settings.exactLimit = limit;
  }
  const alpha = flags.get('alpha');
  if (alpha !== undefined) {
    const problem = significanceProblem(Number(alpha));
    if (problem) throw new UsageError(`--alpha ${problem}`);
    settings.significance = Number(alpha);
  }
  const vectors = flags.get('vectors');
  if (vectors !== undefined) settings.vectorsTested = vectorsFlag(vectors);
  return settings;
}

/** `--vectors TOP,BOTTOM,BULK,ALL_UP_TO`. */
function vectorsFlag(raw: string | true): VectorsTested {
  const parts = String(raw).split(',');
  if (parts.length !== 4 || parts.some((p) => p.trim() === ''))
    throw new UsageError('--vectors needs four counts: TOP,BOTTOM,BULK,ALL_UP_TO (e.g. 100,20,100,1024)');
  const [top, bottom, bulk, allUpTo] = parts.map(Number);
  const vectors = { top, bottom, bulk, allUpTo };
  const problem = vectorsTestedProblem(vectors);
  if (problem) throw new UsageError(`--vectors: ${problem}`);
  return vectors;
}

function oneFile(args: Args): string {
  if (args.files.length !== 1) throw new UsageError(`${args.command} takes exactly one FILE`);
  return path.resolve(args.files[0]);
}

async function analyze(args: Args): Promise<void> {
  const file = oneFile(args);
  const settings = settingsFrom(args.flags);
  const workers = Number(args.flags.get('workers') ?? os.availableParallelism());
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError('--workers must be a positive integer');
  const pool = new WorkerPool(workerScript(), workers, { workerData: { nullCacheFile: nullCacheFile() } });
  const json = args.flags.has('json');
  try {
    const report = await runAnalysis(pool, file, settings, {
      layer: (layer, done, total) => {
        if (!json) process.stderr.write(`  [${done}/${total}] ${layer.name}\n`);
      },
    });
    process.stdout.write(json ? toJson(report) + '\n' : summary(report));
  } finally {
    await pool.dispose();
  }
}

/** The CLI keeps its null distributions in ~/.cache/rmt-lens (XDG_CACHE_HOME honoured). */
function nullCacheFile(): string | undefined {
  const dir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'rmt-lens');
  try {
    mkdirSync(dir, { recursive: true });
    return path.join(dir, 'nulls.json');
  } catch {
    return undefined;
  }
}

function summary(report: ModelReport): string {
  const lines = [`${report.file} (${report.format}): ${report.layers.length} matrices`];
  for (const layer of report.layers) {
    const shape = `${layer.shape[0]}×${layer.shape[1]}`;
    lines.push(`  ${layer.name.padEnd(40)} ${shape.padStart(12)}  ${layer.verdict.summary}`);
  }
  for (const failed of report.failed) lines.push(`  ${failed.name.padEnd(40)} failed: ${failed.error}`);
  return lines.join('\n') + '\n';
}

interface MatrixSpectrum {
  name: string;
  shape: [number, number];
  singularValues: Float64Array;
}

/** The singular values of every matrix of a file, in file order (the engine alone, no statistics). */
async function fileSpectra(
  file: string,
  settings: AnalysisSettings,
): Promise<{ format: string; matrices: MatrixSpectrum[] }> {
  const weights = await openWeightFile(file, { lenient: settings.lenient });
  // One matrix at a time here, so the engine's threads take every core.
  const engine = await createEngine({ threads: os.availableParallelism() });
  try {
    const matrices: MatrixSpectrum[] = [];
    for (const m of planLayers(weights, { conv: settings.conv }).matrices) {
      const singularValues = engine.singularValues(await m.read(), m.rows, m.cols);
      matrices.push({ name: m.name, shape: [m.rows, m.cols], singularValues });
    }
    return { format: weights.format, matrices };
  } finally {
    engine.dispose?.();
    await weights.close();
  }
}

async function spectrum(args: Args): Promise<void> {
  const file = oneFile(args);
  const { format, matrices } = await fileSpectra(file, settingsFrom(args.flags));
  if (args.flags.has('json')) process.stdout.write(toJson({ file, format, matrices }) + '\n');
  else
    for (const m of matrices) process.stdout.write(`${m.name}: ${Array.from(m.singularValues).join(' ')}\n`);
}

async function cpse(args: Args): Promise<void> {
  if (args.files.length === 0) throw new UsageError('cpse needs at least one FILE');
  const power = Number(args.flags.get('power') ?? 2);
  if (power !== 2 && power !== 4) throw new UsageError('--power must be 2 or 4');
  const settings = settingsFrom(args.flags);
  const spectra: Float64Array[] = [];
  for (const file of args.files) {
    const { matrices } = await fileSpectra(path.resolve(file), settings);
    for (const m of matrices) spectra.push(cpseEigenvalues(m.singularValues, m.shape[0], power));
  }
  const result = cascadingPse(spectra);
  const output = { layers: spectra.length, dLayers: result.dLayers, cpse: result.cpse };
  if (args.flags.has('json')) process.stdout.write(toJson(output) + '\n');
  else
    process.stdout.write(
      `cPSE over ${spectra.length} matrices: ${result.cpse}\nD_l: ${result.dLayers.join(' ')}\n`,
    );
}

function integerFlag(args: Args, name: string, fallback?: number): number {
  const raw = args.flags.get(name);
  if (raw === undefined && fallback !== undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isSafeInteger(value) || value < 0) {
    throw new UsageError(`--${name} needs a non-negative integer`);
  }
  return value;
}

async function ensemble(args: Args): Promise<void> {
  const type = args.flags.get('type');
  if (typeof type !== 'string' || !ENSEMBLE_TYPES.includes(type as EnsembleType)) {
    throw new UsageError(`--type must be one of ${ENSEMBLE_TYPES.join(', ')}`);
  }
  const out = args.flags.get('out');
  if (typeof out !== 'string') throw new UsageError('--out FILE is required');
  const n = integerFlag(args, 'n');
  const m = args.flags.has('m') ? integerFlag(args, 'm') : undefined;
  const count = integerFlag(args, 'count', 1);
  const seed = integerFlag(args, 'seed', 0);
  await writeEnsemble({ type: type as EnsembleType, n, m, count, seed, out: path.resolve(out) });
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
    switch (args.command) {
      case 'analyze':
        await analyze(args);
        return 0;
      case 'spectrum':
        await spectrum(args);
        return 0;
      case 'cpse':
        await cpse(args);
        return 0;
      case 'ensemble':
        await ensemble(args);
        return 0;
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE + '\n');
        return 0;
      default:
        throw new UsageError(`unknown command '${args.command}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`rmt-lens: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`rmt-lens: ${errorMessage(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
