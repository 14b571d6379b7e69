// The HDF5 worker: the only place h5wasm runs. HDF5 parses synchronously and can loop forever on a corrupt
// file, which no code on the same thread can interrupt; here the client (h5client.ts) can terminate the whole
// thread instead. h5wasm's node build writes HDF5's error stack straight to file descriptor 2; those writes
// are kept here (the first stack gives the error's cause) and never reach the terminal.
import fs from 'node:fs';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { hdf5Cause, type H5DatasetInfo, type H5Ready, type H5Reply, type H5Request } from './h5protocol';

/** The part of h5wasm's API used here (its node build reads files lazily through the real file system). */
interface H5Metadata {
  type: number; // 0 integer, 1 float
  signed: boolean;
  size: number;
}
interface H5Entity {
  type: string;
}
interface H5Dataset extends H5Entity {
  shape: number[] | null;
  metadata: H5Metadata;
}
interface H5Group extends H5Entity {
  keys(): string[];
  get(name: string): H5Entity | null;
  attrs: Record<string, { value: unknown }>;
}
interface H5File extends H5Group {
  file_id: bigint;
  close(): void;
}
interface H5Module {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(ptr: number): void;
  get_dataset_data(
    file: bigint,
    path: string,
    count: bigint[] | null,
    offset: bigint[] | null,
    strides: bigint[] | null,
    ptr: bigint,
  ): number;
}
interface H5Wasm {
  ready: Promise<H5Module>;
  File: new (filename: string, mode: 'r') => H5File;
}

// HDF5's diagnostics (fd 1 and 2 through emscripten's NODERAWFS): kept, up to 64 KiB per request.
const CAPTURE_LIMIT = 64 * 1024;
let captured = '';
const writeSync = fs.writeSync;
fs.writeSync = function (fd: number, data: string | NodeJS.ArrayBufferView, ...rest: unknown[]): number {
  if (fd !== 1 && fd !== 2) return (writeSync as (...a: unknown[]) => number).call(fs, fd, data, ...rest);
  if (typeof data === 'string') {
    capture(data);
    return Buffer.byteLength(data);
  }
  const offset = typeof rest[0] === 'number' ? rest[0] : 0;
  const length = typeof rest[1] === 'number' ? rest[1] : data.byteLength - offset;
  capture(Buffer.from(data.buffer, data.byteOffset + offset, length).toString('utf8'));
  return length;
} as typeof fs.writeSync;

// emscripten's own messages (an abort, a warning) go through the console
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const)
  console[method] = (...args: unknown[]) => capture(`${args.map(String).join(' ')}\n`);

function capture(text: string): void {
  if (captured.length < CAPTURE_LIMIT) captured += text.slice(0, CAPTURE_LIMIT - captured.length);
}

/**
 * h5wasm ships ES modules only (an `import`-only export condition), so its node build is loaded by path,
 * through Node's require of ES modules (Node ≥ 20.19).
 */
async function loadH5wasm(): Promise<{ api: H5Wasm; module: H5Module }> {
  // a copy beside the bundle (dist/h5wasm/, with a package.json of type module), else node_modules
  const candidates = [
    path.join(__dirname, 'h5wasm', 'hdf5_hl.js'),
    ...(require.resolve.paths('h5wasm') ?? []).map((d) => path.join(d, 'h5wasm/dist/node/hdf5_hl.js')),
  ];
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new Error('h5wasm is not installed');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { default?: H5Wasm } & H5Wasm;
  const api = mod.default ?? mod;
  return { api, module: await api.ready };
}

/** Groups that hold optimizer state, not the model's weights. */
const OPTIMIZER_GROUPS = new Set(['optimizer_weights', 'optimizer']);

function dtypeOf(m: H5Metadata): string | undefined {
  if (m.type === 1) return ({ 2: 'F16', 4: 'F32', 8: 'F64' } as Record<number, string>)[m.size];
  if (m.type === 0 && [1, 2, 4, 8].includes(m.size)) return `${m.signed ? 'I' : 'U'}${8 * m.size}`;
  return undefined;
}

function attrStrings(group: H5Group, name: string): string[] {
  try {
    const v = group.attrs?.[name]?.value;
    if (Array.isArray(v))
      return v.map((x) => (typeof x === 'string' ? x : new TextDecoder().decode(x as Uint8Array)));
  } catch {
    // an unreadable attribute only loses the ordering
  }
  return [];
}

/** Every dataset under `group`, in Keras layer order where the file records it (`layer_names`). */
function collectDatasets(
  group: H5Group,
  groupPath: string,
  prefix: string,
  out: H5DatasetInfo[],
  depth: number,
) {
  if (depth > 32) return;
  const names = group.keys();
  const order = attrStrings(group, 'layer_names');
  const keys = order.length
    ? [...order.filter((k) => names.includes(k)), ...names.filter((k) => !order.includes(k))]
    : names;
  for (const key of keys) {
    if (OPTIMIZER_GROUPS.has(key)) continue;
    const child = group.get(key);
    if (!child) continue;
    const name = prefix ? `${prefix}/${key}` : key;
    const childPath = `${groupPath === '/' ? '' : groupPath}/${key}`;
    if (child.type === 'Dataset') {
      const d = child as H5Dataset;
      out.push({
        name,
        path: childPath,
        shape: d.shape,
        dtype: dtypeOf(d.metadata),
        elementSize: d.metadata.size,
      });
    } else if (child.type === 'Group') collectDatasets(child as H5Group, childPath, name, out, depth + 1);
  }
}

/** What a wasm trap throws (no WebAssembly types in this project's lib). */
const WasmRuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } })
  .WebAssembly.RuntimeError;

const files = new Map<number, H5File>();
let nextHandle = 1;

function open(api: H5Wasm, file: string): Omit<Extract<H5Reply, { type: 'opened' }>, 'id'> {
  const h5 = new api.File(file, 'r');
  try {
    const hasModel = h5.keys().includes('model_weights');
    const root = hasModel ? (h5.get('model_weights') as H5Group) : h5;
    const datasets: H5DatasetInfo[] = [];
    collectDatasets(root, hasModel ? '/model_weights' : '/', '', datasets, 0);
    const metadata: Record<string, string> = {};
    for (const k of ['keras_version', 'backend']) {
      const v = h5.attrs?.[k]?.value;
      if (typeof v === 'string') metadata[k] = v;
    }
    const handle = nextHandle++;
    files.set(handle, h5);
    return { type: 'opened', handle, datasets, metadata };
  } catch (err) {
    h5.close();
    throw err;
  }
}

/** Raw elements of a hyperslab, in the dataset's element size (HDF5 converts to the native little-endian order). */
function read(module: H5Module, request: Extract<H5Request, { type: 'read' }>): Uint8Array {
  const h5 = files.get(request.handle);
  if (!h5) throw new Error('the file is not open');
  const ptr = module._malloc(Math.max(1, request.bytes));
  if (!ptr) throw new Error(`cannot allocate ${request.bytes} bytes`);
  try {
    const big = (xs: number[] | null) => xs?.map(BigInt) ?? null;
    module.get_dataset_data(
      h5.file_id,
      request.path,
      big(request.count),
      big(request.offset),
      request.count ? request.count.map(() => 1n) : null,
      BigInt(ptr),
    );
    return module.HEAPU8.slice(ptr, ptr + request.bytes);
  } finally {
    module._free(ptr);
  }
}

function answer(api: H5Wasm, module: H5Module, request: H5Request): H5Reply {
  captured = '';
  try {
    switch (request.type) {
      case 'open':
        return { id: request.id, ...open(api, request.path) };
      case 'read':
        return { id: request.id, type: 'data', bytes: read(module, request) };
      case 'close':
        files.get(request.handle)?.close();
        files.delete(request.handle);
        return { id: request.id, type: 'closed' };
    }
  } catch (err) {
    const message = hdf5Cause(captured) ?? (err instanceof Error ? err.message : String(err));
    return { id: request.id, type: 'error', message, trapped: err instanceof WasmRuntimeError };
  }
}

if (parentPort) {
  const port = parentPort;
  loadH5wasm().then(
    ({ api, module }) => {
      port.on('message', (request: H5Request) => {
        const reply = answer(api, module, request);
        port.postMessage(reply, reply.type === 'data' ? [reply.bytes.buffer as ArrayBuffer] : []);
      });
      port.postMessage({ type: 'ready' } satisfies H5Ready);
    },
    (err: unknown) =>
      port.postMessage({ type: 'failed', message: (err as Error).message ?? String(err) } satisfies H5Ready),
  );
}
