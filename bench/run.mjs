// `npm run bench`: all singular values of float32 Gaussian matrices, ours (wasm engine) against
// numpy (eigvalsh of the Gram matrix, /usr/bin/python3) and ml-matrix, median of 3 runs; then a
// GPT-2-small-shaped whole model. Needs `npm run build` first (uses tsc's output in out/).
// Options: --quick (sizes ≤ 1024, no model), --threads N (default: min(2, cores)), --no-mlmatrix,
// --cpu: one thread on both sides (OPENBLAS_NUM_THREADS=1) and CPU seconds instead of wall time,
// which stays meaningful on a busy machine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
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
const cpuMode = args.includes('--cpu');
const threads = cpuMode
  ? 1
  : threadsArg >= 0
    ? Number(args[threadsArg + 1])
    : Math.min(2, availableParallelism());
/** Seconds of `f()`: wall time, or CPU time of this process in --cpu mode. */
function measure(f) {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const result = f();
  const used = process.cpuUsage(cpu);
  return { seconds: cpuMode ? (used.user + used.system) / 1e6 : (performance.now() - wall) / 1000, result };
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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => (x === undefined ? '—' : x < 10 ? x.toFixed(3) : x.toFixed(1));

function numpySeconds(mats) {
  if (!hasNumpy) return undefined;
  const file = join(tmp, 'mats.f32');
  writeFileSync(
    file,
    Buffer.concat(mats.map((m) => Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength))),
  );
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (cpuMode) env.OPENBLAS_NUM_THREADS = '1';
  const shapes = mats.map((m) => `${m.rows}x${m.cols}`);
  const out = execFileSync(
    python,
    [join(root, 'bench/numpy_spectra.py'), file, 'float32', String(repeats), ...shapes],
    {
      env,
      maxBuffer: 1 << 26,
    },
  );
  const result = JSON.parse(out.toString());
  if (!numpySeconds.printed) {
    numpySeconds.printed = true;
    console.log(`numpy ${result.numpy} with ${result.blas.join(', ') || 'unknown BLAS'}`);
  }
  if (cpuMode) result.seconds = result.cpuSeconds;
  return result;
}

async function single() {
  const engine = await createEngine({ prefer: 'wasm', threads });
  const js = await createEngine({ prefer: 'js' });
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
      ];
  console.log(
    `engine ${engine.kind}, ${threads} thread(s); median of ${repeats}; seconds for all singular values`,
  );
  console.log('shape        ours     numpy    ours/numpy  ml-matrix  js-fallback  steps of ours (s)');
  const rows = [];
  for (const [r, c] of sizes) {
    const data = gaussianFloat32(r * c, r * 31 + c);
    const times = [];
    let values;
    let steps;
    for (let k = 0; k < repeats; k++) {
      // Widening is part of the work.
      const m = measure(() => engine.singularValues(Float64Array.from(data), r, c));
      values = m.result;
      times.push(m.seconds);
      steps = engine.timings?.();
    }
    const ours = median(times);
    const np = numpySeconds([{ data, rows: r, cols: c }]);
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
    const agree = np ? Math.abs(np.top[0] - values[0]) / values[0] : undefined;
    const stepText = steps
      ? Object.entries(steps)
          .filter(([k]) => (cpuMode ? k.endsWith('Cpu') : !k.endsWith('Cpu')))
          .map(([k, v]) => `${k} ${v.toFixed(2)}`)
          .join(', ')
      : '';
    const ratio = np ? ours / np.seconds : undefined;
    const numpyText =
      cpuMode && np?.cpuSplit
        ? `; numpy gram ${np.cpuSplit.gram.toFixed(2)}, eigvalsh ${np.cpuSplit.eigvalsh.toFixed(2)}`
        : '';
    rows.push({
      shape: `${r}x${c}`,
      ours,
      numpy: np?.seconds,
      numpySplit: np?.cpuSplit,
      ratio,
      ml,
      js: jsTime,
      steps,
      agree,
    });
    console.log(
      `${`${r}×${c}`.padEnd(12)} ${fmt(ours).padStart(7)} ${fmt(np?.seconds).padStart(9)} ${(ratio ? ratio.toFixed(2) : '—').padStart(11)} ${fmt(ml).padStart(10)} ${fmt(jsTime).padStart(12)}  ${stepText}${numpyText}${agree !== undefined && agree > 1e-9 ? `  (ν_max differs by ${agree.toExponential(1)})` : ''}`,
    );
  }
  engine.dispose?.();
  return rows;
}

/** GPT-2 small: 12 blocks of q, k, v, o (768²), MLP 768×3072 and 3072×768. */
async function wholeModel() {
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
      mats.push({ rows: r, cols: c, data: gaussianFloat32(r * c, 1000 + mats.length) });
    }
  }
  if (cpuMode) return wholeModelOneThread(mats);
  const pool = await Promise.all(
    Array.from({ length: threads }, () => {
      const w = new Worker(join(root, 'bench/model-worker.mjs'), { workerData: { linalg, prefer: 'wasm' } });
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
  const np = numpySeconds(mats);
  let worst = 0;
  if (np) results.forEach((r, i) => (worst = Math.max(worst, Math.abs(r.top - np.top[i]) / r.top)));
  console.log(
    `\nwhole model (GPT-2 small shapes, ${mats.length} matrices, ${threads} worker(s)): ours ${fmt(ours)} s, numpy ${fmt(np?.seconds)} s, ours/numpy ${np ? (ours / np.seconds).toFixed(2) : '—'}${np ? `; max relative difference of ν_max ${worst.toExponential(1)}` : ''}`,
  );
  return { ours, numpy: np?.seconds, ratio: np ? ours / np.seconds : undefined };
}

/** --cpu: the model's matrices one after another on this thread, in CPU seconds. */
async function wholeModelOneThread(mats) {
  const engine = await createEngine({ prefer: 'wasm', threads: 1 });
  const times = [];
  for (let k = 0; k < repeats; k++) {
    times.push(
      measure(() => mats.forEach((m) => engine.singularValues(Float64Array.from(m.data), m.rows, m.cols)))
        .seconds,
    );
  }
  const ours = median(times);
  const np = numpySeconds(mats);
  console.log(
    `\nwhole model (GPT-2 small shapes, ${mats.length} matrices, one thread, CPU s): ours ${fmt(ours)}, numpy ${fmt(np?.seconds)}, ours/numpy ${np ? (ours / np.seconds).toFixed(2) : '—'}`,
  );
  return { ours, numpy: np?.seconds, ratio: np ? ours / np.seconds : undefined };
}

const table = await single();
const model = quick ? undefined : await wholeModel();
if (args.includes('--json')) console.log(JSON.stringify({ threads, table, model }));
