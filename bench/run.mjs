// `npm run bench`: all singular values of float32 Gaussian matrices, ours (wasm engine) against
// numpy (eigvalsh of the Gram matrix, /usr/bin/python3) and ml-matrix, median of 3 runs; then a
// GPT-2-small-shaped whole model. Needs `npm run build` first (uses tsc's output in out/).
// Two passes, each printing a table, a per-step breakdown of ours and the whole model:
//   1. one thread on both sides (OPENBLAS_NUM_THREADS=1), CPU seconds of the process: meaningful
//      even on a busy machine; also all singular vectors at the sizes the extension asks for them;
//   2. wall-clock seconds with N threads (default min(2, cores)): one matrix on an engine with N
//      threads, the model on N workers × 1 thread; numpy with OPENBLAS_NUM_THREADS=1 and =N.
// Under each size a "limits" line: the rates of the Gram product and of the reduction against our
// GEMM on operands in cache (measured first), and the time ours would take with both at that rate.
// After pass 1 (not --quick), a SIMD-width table: numpy on OpenBLAS's kernels for older x86 CPUs
// (128-bit SSE2, 256-bit AVX, AVX2) against ours, which runs 128-bit SIMD.
// Options: --cpu (pass 1 only), --wall (pass 2 only), --quick (sizes ≤ 1024, no model),
// --threads N, --no-mlmatrix, --json.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const linalg = join(root, 'out/src/linalg/index.js');
if (!existsSync(linalg)) {
  console.error('bench: run `npm run build` first (out/src/linalg is missing)');
  process.exit(1);
}
const require = createRequire(import.meta.url);
const { createEngine } = require(linalg);
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const threadsArg = args.indexOf('--threads');
const wallThreads = threadsArg >= 0 ? Number(args[threadsArg + 1]) : Math.min(2, availableParallelism());
/** Pass 1 (CPU seconds, one thread) or pass 2 (wall clock, wallThreads threads); set per pass. */
let cpuMode = true;
let threads = 1;
/**
 * V8 optimises the warmed-up wasm functions on background threads, whose CPU time would land in
 * the first measurements (256² took 0.018–0.033 CPU s instead of 0.011): a pause lets them finish.
 */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));
/** GF/s of our GEMM in cache, one thread (gemmInCacheRate), measured once. */
let peak;
/** Seconds of `f()`: wall time, or CPU time of this process in the CPU pass. */
function measure(f) {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const result = f();
  const used = process.cpuUsage(cpu);
  return {
    seconds: cpuMode ? (used.user + used.system) / 1e6 : (performance.now() - wall) / 1000,
    result,
  };
}
const repeats = 3;
const python = '/usr/bin/python3';
const hasNumpy = (() => {
  try {
    execFileSync(python, ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const tmp = mkdtempSync(join(tmpdir(), 'rmt-bench-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Seeded standard normal float32 entries (xorshift + Box–Muller). */
function gaussianFloat32(length, seed) {
  const out = new Float32Array(length);
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  for (let i = 0; i < length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next()));
    const t = 2 * Math.PI * next();
    out[i] = r * Math.cos(t);
    if (i + 1 < length) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/** The seeded Gaussian rows×cols matrix of the main table (the SIMD-width table reuses it). */
const tableMatrix = (rows, cols) => gaussianFloat32(rows * cols, rows * 31 + cols);

/** A rows×cols float32 matrix of rank ≤ `rank`: the product of two seeded Gaussian factors. */
function lowRankFloat32(rows, cols, rank) {
  const a = gaussianFloat32(rows * rank, rows + rank);
  const b = gaussianFloat32(rank * cols, cols + 7 * rank);
  const out = new Float32Array(rows * cols);
  const row = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    row.fill(0);
    for (let k = 0; k < rank; k++) {
      const x = a[i * rank + k];
      for (let j = 0; j < cols; j++) row[j] += x * b[k * cols + j];
    }
    out.set(row, i * cols);
  }
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => (x === undefined ? '—' : x < 10 ? x.toFixed(3) : x.toFixed(1));

/**
 * numpy's seconds (CPU in the CPU pass, else wall) for the matrices, with `blasThreads` BLAS
 * threads; with `vectors` all singular vectors too (numpy_spectra.py --vectors); with `coretype`
 * OpenBLAS on that CPU's kernels (undefined when OpenBLAS did not take it or this CPU lacks them).
 */
function numpySeconds(mats, blasThreads, vectors = false, coretype = undefined) {
  if (!hasNumpy) return undefined;
  const file = join(tmp, 'mats.f32');
  writeFileSync(
    file,
    Buffer.concat(mats.map((m) => Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength))),
  );
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  env.OPENBLAS_NUM_THREADS = String(blasThreads);
  if (coretype) {
    env.OPENBLAS_CORETYPE = coretype;
    env.OPENBLAS_VERBOSE = '2'; // prints "Core: NAME", the kernels it really runs
  }
  const shapes = mats.map((m) => `${m.rows}x${m.cols}`);
  const run = spawnSync(
    python,
    [
      join(root, 'bench/numpy_spectra.py'),
      file,
      'float32',
      String(repeats),
      ...(vectors ? ['--vectors'] : []),
      ...shapes,
    ],
    { env, maxBuffer: 1 << 26 },
  );
  if (coretype && (run.status !== 0 || !run.stderr.toString().includes(`Core: ${coretype}`)))
    return undefined;
  if (run.status !== 0) throw new Error(`numpy_spectra.py failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout.toString());
  if (!numpySeconds.printed) {
    numpySeconds.printed = true;
    console.log(`numpy ${result.numpy} with ${result.blas.join(', ') || 'unknown BLAS'}`);
    // Debian's python3-numpy alone links the reference BLAS, 3–7× slower than OpenBLAS here.
    if (!result.blas.some((path) => /openblas/i.test(path)))
      console.log(
        'warning: numpy is not on OpenBLAS, the reference the targets are stated against: apt-get install libopenblas0-pthread',
      );
  }
  if (cpuMode) result.seconds = result.cpuSeconds;
  return result;
}

/**
 * The float32 matrix widened to float64 the way the extension does it: straight into the engine's
 * input buffer (no further copy into wasm memory). Widening is part of the work, as for numpy.
 */
function widened(engine, data, rows, cols) {
  const a = engine.inputBuffer ? engine.inputBuffer(rows, cols) : new Float64Array(rows * cols);
  a.set(data);
  return a;
}

/**
 * Our GEMM on operands that stay in cache (256×128×256, A's rows read in place), GF/s on one
 * thread: the most the Gram product and the band reduction can reach. OpenBLAS uses 512-bit
 * vectors here, WebAssembly 128-bit ones; that ratio is what the "limits" lines put in numbers.
 */
function gemmInCacheRate() {
  const { kernelsInstance } = require(join(root, 'out/src/linalg/wasmKernels.js'));
  const instance = kernelsInstance();
  if (!instance) return undefined;
  const k = instance.exports;
  const [m, n, depth] = [256, 128, 256];
  instance.memory.grow(64);
  const f64 = new Float64Array(instance.memory.buffer);
  const a = instance.arena;
  const b = a + m * depth * 8;
  const c = b + depth * n * 8;
  const work = c + m * n * 8;
  for (let i = a / 8; i < c / 8; i++) f64[i] = Math.sin(i);
  const run = (calls) => {
    for (let i = 0; i < calls; i++) k.gemm(m, n, depth, 1, a, depth, 1, b, n, 1, c, n, 0, work);
  };
  run(50);
  const rates = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    run(400);
    rates.push((2 * m * n * depth * 400) / ((performance.now() - t) / 1000) / 1e9);
  }
  return median(rates);
}

/** Flops of the Gram product (n²·k, one triangle) and of the reduction to tridiagonal form (4n³/3). */
function flops(rows, cols) {
  const n = Math.min(rows, cols);
  return { gram: n * n * Math.max(rows, cols), reduction: (4 / 3) * n ** 3 };
}

/**
 * What bounds ours: the rate of the Gram product and of the reduction (band + tridiagonal) against
 * the in-cache GEMM rate, and the time ours would take with both at that rate on every thread
 * (the other steps as measured), against numpy.
 */
function limitsText(fl, steps, npSeconds, npGramSeconds) {
  if (!peak || !steps) return undefined;
  const get = (key) => steps[cpuMode ? `${key}Cpu` : key] ?? 0;
  const reductionSeconds = get('band') + get('tridiagonal');
  let others = 0;
  for (const [key, v] of Object.entries(steps)) {
    const name = key.replace(/Cpu$/, '');
    if (
      cpuMode !== key.endsWith('Cpu') ||
      name.startsWith('band') ||
      name === 'gram' ||
      name === 'tridiagonal'
    )
      continue;
    others += v;
  }
  const ceiling = peak * threads;
  const floor = (fl.gram + fl.reduction) / (ceiling * 1e9) + others;
  const rate = (f, s) => (s > 0 ? f / s / 1e9 : NaN);
  const gramRate = rate(fl.gram, get('gram'));
  const reductionRate = rate(fl.reduction, reductionSeconds);
  const pct = (r) => `${Math.round((100 * r) / ceiling)} %`;
  const np = npGramSeconds
    ? `; numpy's Gram ${rate(fl.gram, npGramSeconds).toFixed(0)} GF/s on 1 thread`
    : '';
  return (
    `    limits: Gram ${gramRate.toFixed(1)} GF/s (${pct(gramRate)} of the in-cache GEMM's ${ceiling.toFixed(1)}${np}), ` +
    `reduction ${reductionRate.toFixed(1)} GF/s (${pct(reductionRate)}); both at the in-cache rate: ours ≥ ${fmt(floor)} s` +
    (npSeconds ? `, ours/np ≥ ${ratio(floor, npSeconds)}` : '')
  );
}

const ratio = (ours, np) => (np ? (ours / np).toFixed(2) : '—');

/** The steps of ours from engine.timings(): CPU seconds in the CPU pass, else wall seconds. */
function stepText(steps) {
  if (!steps) return '';
  return Object.entries(steps)
    .filter(([k]) => (cpuMode ? k.endsWith('Cpu') : !k.endsWith('Cpu')))
    .map(([k, v]) => `${k.replace(/Cpu$/, '')} ${v.toFixed(3)}`)
    .join(', ');
}

async function single() {
  const engine = await createEngine({ prefer: 'wasm', threads });
  const js = await createEngine({ prefer: 'js' });
  await settle();
  const { Matrix, SingularValueDecomposition } = require('ml-matrix');
  const sizes = quick
    ? [
        [256, 256],
        [512, 512],
        [1024, 1024],
      ]
    : [
        [256, 256],
        [512, 512],
        [1024, 1024],
        [2048, 2048],
        [4096, 4096],
        [4096, 11008],
        // Rank 512 in float32 (a product of Gaussian factors): half the singular values are tiny
        // (float32 rounding), which sends them through the refinement on W.
        [1024, 1024, 512],
      ];
  const unit = cpuMode ? 'CPU seconds of the process' : 'wall-clock seconds';
  // The CPU pass runs numpy on one thread only; the wall pass with 1 and with N BLAS threads.
  const npThreads = cpuMode ? [1] : [...new Set([1, threads])];
  console.log(
    `\n${cpuMode ? 'CPU pass' : 'wall-clock pass'}: engine ${engine.kind}, ${threads} thread(s); median of ${repeats}; ${unit} for all singular values`,
  );
  console.log(
    `shape        ours  ${npThreads.map((t) => `numpy(${t}t)  ours/np(${t}t)`).join('  ')}  ml-matrix  js-fallback`,
  );
  const rows = [];
  for (const [r, c, rank] of sizes) {
    const data = rank ? lowRankFloat32(r, c, rank) : tableMatrix(r, c);
    const shape = `${r}×${c}${rank ? ` rank ${rank}` : ''}`;
    const times = [];
    let values;
    let steps;
    for (let k = 0; k < repeats; k++) {
      // Widening is part of the work.
      const m = measure(() => engine.singularValues(widened(engine, data, r, c), r, c));
      values = m.result;
      times.push(m.seconds);
      steps = engine.timings?.();
    }
    const ours = median(times);
    const nps = npThreads.map((t) => numpySeconds([{ data, rows: r, cols: c }], t));
    let ml;
    let jsTime;
    if (r * c <= 1024 * 1024 && !args.includes('--no-mlmatrix')) {
      const a = Float64Array.from(data);
      const mlTimes = [];
      const jsTimes = [];
      for (let k = 0; k < repeats; k++) {
        let t = performance.now();
        const m = new Matrix(r, c);
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) m.set(i, j, a[i * c + j]);
        new SingularValueDecomposition(m, {
          computeLeftSingularVectors: false,
          computeRightSingularVectors: false,
        });
        mlTimes.push((performance.now() - t) / 1000);
        t = performance.now();
        js.singularValues(Float64Array.from(data), r, c);
        jsTimes.push((performance.now() - t) / 1000);
      }
      ml = median(mlTimes);
      jsTime = median(jsTimes);
    }
    const np = nps[0];
    const agree = np ? Math.abs(np.top[0] - values[0]) / values[0] : undefined;
    const numpyText = np?.cpuSplit
      ? `numpy(1t) gram ${np.cpuSplit.gram.toFixed(3)}, eigvalsh ${np.cpuSplit.eigvalsh.toFixed(3)} (CPU s)`
      : '';
    rows.push({
      shape: `${r}x${c}${rank ? `r${rank}` : ''}`,
      ours,
      numpy: Object.fromEntries(npThreads.map((t, i) => [t, nps[i]?.seconds])),
      ratio: Object.fromEntries(npThreads.map((t, i) => [t, nps[i] ? ours / nps[i].seconds : undefined])),
      numpySplit: np?.cpuSplit,
      ml,
      js: jsTime,
      steps,
      agree,
    });
    const npText = npThreads
      .map((t, i) => `${fmt(nps[i]?.seconds).padStart(9)}  ${ratio(ours, nps[i]?.seconds).padStart(13)}`)
      .join('  ');
    console.log(
      `${shape.padEnd(10)} ${fmt(ours).padStart(7)}  ${npText}  ${fmt(ml).padStart(9)}  ${fmt(jsTime).padStart(11)}${agree !== undefined && agree > 1e-9 ? `  (ν_max differs by ${agree.toExponential(1)})` : ''}`,
    );
    console.log(
      `    steps of ours (${cpuMode ? 'CPU s' : 'wall s'}): ${stepText(steps)}${numpyText ? `; ${numpyText}` : ''}`,
    );
    const limits = limitsText(flops(r, c), steps, nps.at(-1)?.seconds, np?.cpuSplit?.gram);
    if (limits) console.log(limits);
  }
  engine.dispose?.();
  return rows;
}

/**
 * All singular vectors, which the extension computes for every layer with min(N, M) ≤ 1024 (CPU
 * pass only): ours against numpy by the same method (eigh of the Gram matrix, other side W·v/ν)
 * and against numpy's own SVD (LAPACK gesdd).
 */
async function allVectors() {
  const engine = await createEngine({ prefer: 'wasm', threads: 1 });
  await settle();
  console.log(
    '\nall singular vectors (what the extension computes up to min(N, M) = 1024), one thread, CPU s',
  );
  console.log('shape        ours  numpy eigh(Gram)  ours/np  numpy svd (gesdd)  ours/gesdd');
  const rows = [];
  for (const [r, c] of [
    [768, 768],
    [768, 3072],
    [1024, 1024],
  ]) {
    const data = gaussianFloat32(r * c, r * 17 + c);
    const times = [];
    let steps;
    for (let k = 0; k < repeats; k++) {
      times.push(measure(() => engine.svd(widened(engine, data, r, c), r, c, 'all')).seconds);
      steps = engine.timings?.();
    }
    const ours = median(times);
    const np = numpySeconds([{ data, rows: r, cols: c }], 1, true);
    const gesdd = np?.gesddCpuSeconds ?? undefined;
    console.log(
      `${`${r}×${c}`.padEnd(10)} ${fmt(ours).padStart(7)}  ${fmt(np?.seconds).padStart(16)}  ${ratio(ours, np?.seconds).padStart(7)}  ${fmt(gesdd).padStart(17)}  ${ratio(ours, gesdd).padStart(10)}`,
    );
    console.log(`    steps of ours (CPU s): ${stepText(steps)}`);
    rows.push({ shape: `${r}x${c}`, ours, numpy: np?.seconds, gesdd, steps });
  }
  engine.dispose?.();
  return rows;
}

/** GPT-2 small: 12 blocks of q, k, v, o (768²), MLP 768×3072 and 3072×768. */
function modelMatrices() {
  const mats = [];
  for (let b = 0; b < 12; b++) {
    for (const [r, c] of [
      [768, 768],
      [768, 768],
      [768, 768],
      [768, 768],
      [3072, 768],
      [768, 3072],
    ]) {
      mats.push({
        rows: r,
        cols: c,
        data: gaussianFloat32(r * c, 1000 + mats.length),
      });
    }
  }
  return mats;
}

/**
 * The whole model: singular values only, as numpy_spectra.py computes (both widen each float32
 * matrix to float64 first). CPU pass: one engine on this thread. Wall pass: `threads` analysis
 * workers × 1 thread each (the extension's layout for many layers) against numpy with 1 and
 * `threads` BLAS threads.
 */
async function wholeModel() {
  const mats = modelMatrices();
  if (cpuMode) return wholeModelOneThread(mats);
  const pool = await Promise.all(
    Array.from({ length: threads }, () => {
      const w = new Worker(join(root, 'bench/model-worker.mjs'), {
        workerData: { linalg, prefer: 'wasm' },
      });
      return new Promise((resolve) => w.once('message', () => resolve(w)));
    }),
  );
  const runOnce = () =>
    new Promise((resolve) => {
      let next = 0;
      let done = 0;
      const results = new Array(mats.length);
      const feed = (w) => {
        if (next >= mats.length) return;
        const id = next++;
        const m = mats[id];
        w.postMessage({ id, data: m.data, rows: m.rows, cols: m.cols });
      };
      for (const w of pool) {
        w.removeAllListeners('message');
        w.on('message', (msg) => {
          results[msg.id] = msg;
          if (++done === mats.length) resolve(results);
          else feed(w);
        });
        feed(w);
      }
    });
  const times = [];
  let results;
  for (let k = 0; k < repeats; k++) {
    const t = performance.now();
    results = await runOnce();
    times.push((performance.now() - t) / 1000);
  }
  await Promise.all(pool.map((w) => w.terminate()));
  const ours = median(times);
  const npThreads = [...new Set([1, threads])];
  const nps = npThreads.map((t) => numpySeconds(mats, t));
  let worst = 0;
  if (nps[0]) results.forEach((r, i) => (worst = Math.max(worst, Math.abs(r.top - nps[0].top[i]) / r.top)));
  console.log(
    `whole model (GPT-2 small shapes, ${mats.length} matrices, ${threads} worker(s) × 1 thread, wall s): ours ${fmt(ours)}, ${npThreads
      .map((t, i) => `numpy(${t}t) ${fmt(nps[i]?.seconds)}, ours/np(${t}t) ${ratio(ours, nps[i]?.seconds)}`)
      .join(', ')}${nps[0] ? `; max relative difference of ν_max ${worst.toExponential(1)}` : ''}`,
  );
  return {
    ours,
    numpy: Object.fromEntries(npThreads.map((t, i) => [t, nps[i]?.seconds])),
    ratio: Object.fromEntries(npThreads.map((t, i) => [t, nps[i] ? ours / nps[i].seconds : undefined])),
  };
}

/** CPU pass: the model's matrices one after another on this thread, in CPU seconds. */
async function wholeModelOneThread(mats) {
  const engine = await createEngine({ prefer: 'wasm', threads: 1 });
  await settle();
  const times = [];
  const steps = {};
  for (let k = 0; k < repeats; k++) {
    times.push(
      measure(() =>
        mats.forEach((m) => {
          engine.singularValues(widened(engine, m.data, m.rows, m.cols), m.rows, m.cols);
          if (k === repeats - 1)
            for (const [step, v] of Object.entries(engine.timings?.() ?? {}))
              steps[step] = (steps[step] ?? 0) + v;
        }),
      ).seconds,
    );
  }
  engine.dispose?.();
  const ours = median(times);
  const np = numpySeconds(mats, 1);
  console.log(
    `whole model (GPT-2 small shapes, ${mats.length} matrices, one thread, CPU s): ours ${fmt(ours)}, numpy(1t) ${fmt(np?.seconds)}, ours/np(1t) ${np ? ratio(ours, np.seconds) : '—'}`,
  );
  console.log(
    `    steps of ours (CPU s, summed over the matrices): ${stepText(steps)}${np?.cpuSplit ? `; numpy(1t) gram ${np.cpuSplit.gram.toFixed(3)}, eigvalsh ${np.cpuSplit.eigvalsh.toFixed(3)}` : ''}`,
  );
  const total = { gram: 0, reduction: 0 };
  for (const m of mats) {
    const f = flops(m.rows, m.cols);
    total.gram += f.gram;
    total.reduction += f.reduction;
  }
  const limits = limitsText(total, steps, np?.seconds, np?.cpuSplit?.gram);
  if (limits) console.log(limits);
  return {
    ours,
    numpy: { 1: np?.seconds },
    ratio: { 1: np ? ours / np.seconds : undefined },
    steps,
  };
}

/** The kernels OpenBLAS picks on this CPU ("Core: NAME" with OPENBLAS_VERBOSE=2), if any. */
function openblasCore() {
  const env = { ...process.env, OPENBLAS_VERBOSE: '2', OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  const run = spawnSync(python, ['-c', 'import numpy; numpy.ones((2, 2)) @ numpy.ones((2, 2))'], { env });
  return /Core: (\S+)/.exec(run.stderr?.toString() ?? '')?.[1];
}

/**
 * What the SIMD width is worth (CPU pass): numpy on one thread with OpenBLAS's kernels for older
 * x86 CPUs (OPENBLAS_CORETYPE), from 128-bit SSE2 up to this CPU's own, against ours (128-bit wasm
 * SIMD with fused multiply-add, from the tables above), with each one's Gram rate at 4096×11008.
 */
function simdWidth(table, model) {
  const core = openblasCore();
  if (!hasNumpy || !core) return undefined;
  const shapes = [
    [2048, 2048],
    [4096, 11008],
  ];
  const inputs = [
    ...shapes.map(([r, c]) => [{ data: tableMatrix(r, c), rows: r, cols: c }]),
    modelMatrices(),
  ];
  const mainRows = shapes.map(([r, c]) => table.find((x) => x.shape === `${r}x${c}`));
  const ours = [...mainRows.map((x) => x?.ours), model?.ours];
  const bigGram = flops(4096, 11008).gram / 1e9;
  console.log(
    "\nSIMD width: numpy(1t) on OpenBLAS's kernels for older x86 CPUs (OPENBLAS_CORETYPE), CPU s, and ours/np",
  );
  console.log(
    `${'kernels'.padEnd(36)}${['2048×2048', '4096×11008', 'model'].map((x) => `${x.padStart(12)}  ours/np`).join('')}  Gram GF/s at 4096×11008`,
  );
  const line = (label, seconds, gramSeconds) =>
    console.log(
      `${label.padEnd(36)}${seconds.map((x, i) => `${fmt(x).padStart(12)}  ${ratio(ours[i], x).padStart(7)}`).join('')}` +
        `  ${(gramSeconds ? (bigGram / gramSeconds).toFixed(0) : '—').padStart(23)}`,
    );
  const rows = [];
  for (const [name, what] of [
    ['Nehalem', 'SSE2, 128-bit, no FMA'],
    ['Sandybridge', 'AVX, 256-bit, no FMA'],
    ['Haswell', 'AVX2, 256-bit, FMA'],
  ]) {
    if (name === core) continue;
    const results = inputs.map((mats) => numpySeconds(mats, 1, false, name));
    if (results.some((x) => !x)) continue; // this CPU lacks them, or OpenBLAS is not DYNAMIC_ARCH
    line(
      `${name} (${what})`,
      results.map((x) => x.seconds),
      results[1].cpuSplit.gram,
    );
    rows.push({ kernels: name, seconds: results.map((x) => x.seconds) });
  }
  line(
    `${core} (this CPU's own, default)`,
    [...mainRows.map((x) => x?.numpy[1]), model?.numpy[1]],
    mainRows[1]?.numpySplit?.gram,
  );
  const oursGram = mainRows[1]?.steps?.gramCpu;
  console.log(
    `${'ours (wasm SIMD128, FMA)'.padEnd(36)}${ours.map((x) => `${fmt(x).padStart(12)}         `).join('')}` +
      `  ${(oursGram ? (bigGram / oursGram).toFixed(0) : '—').padStart(23)}`,
  );
  return rows;
}

console.log(
  `load average at the start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')} (${availableParallelism()} cores)`,
);
peak = gemmInCacheRate();
if (peak)
  console.log(
    `our GEMM on operands in cache (256×128×256, one thread): ${peak.toFixed(1)} GF/s, the ceiling of the "limits" lines`,
  );
const passes = args.includes('--cpu') ? [true] : args.includes('--wall') ? [false] : [true, false];
const report = [];
for (const pass of passes) {
  cpuMode = pass;
  threads = pass ? 1 : wallThreads;
  const table = await single();
  const vectors = pass ? await allVectors() : undefined;
  const model = quick ? undefined : await wholeModel();
  const simd = pass && !quick ? simdWidth(table, model) : undefined;
  report.push({ mode: pass ? 'cpu' : 'wall', threads, table, vectors, model, simd });
}
console.log(
  `\nload average at the end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')} (${availableParallelism()} cores)`,
);
if (args.includes('--json')) console.log(JSON.stringify(report));
