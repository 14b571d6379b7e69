// One analysis worker of the whole-model benchmark: an engine with one thread, layers from the parent.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { createEngine } = require(workerData.linalg);
const engine = await createEngine({ prefer: workerData.prefer, threads: 1 });
parentPort.on('message', ({ id, data, rows, cols }) => {
  // Widened straight into the engine's input buffer, as the extension does.
  const a = engine.inputBuffer ? engine.inputBuffer(rows, cols) : new Float64Array(rows * cols);
  a.set(data);
  const values = engine.singularValues(a, rows, cols);
  parentPort.postMessage({ id, top: values[0], sum: values.reduce((s, x) => s + x, 0) });
});
parentPort.postMessage({ ready: true });
