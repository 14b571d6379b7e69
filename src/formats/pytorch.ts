import * as path from 'node:path';
import { decode, dtypeSize, numel } from './dtypes';
import { WeightFileError } from './errors';
import { PickleError, PickleTruncated, PyCallable, PyObject, unpickle } from './pickle';
import { ByteSource, MAX_READ_BYTES } from './source';
import { checkShape, createWeightFile, leadingRows, type TensorEntry, type TensorReadFn } from './tensor';
import type { FormatReader, NumericArray, OpenOptions, RowRange, TensorInfo, WeightFile } from './types';
import { hasZipMagic, ZipArchive } from './zip';

/** A storage as a pickle refers to it (persistent id); its bytes are located after unpickling. */
interface StorageRef {
  key: string;
  dtype: string;
  numel: number;
  /** Elements to skip in the root storage (legacy storage views). */
  elementOffset: number;
}

/** A tensor as `torch._utils._rebuild_tensor*` describes it: a strided view of a storage. */
class TorchTensor {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
    readonly dtype: string,
  ) {}
}

const STORAGE_DTYPES: Record<string, string> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
  Float8_e4m3fnStorage: 'F8_E4M3',
  Float8_e5m2Storage: 'F8_E5M2',
  UntypedStorage: 'U8',
  ComplexFloatStorage: 'C64',
  ComplexDoubleStorage: 'C128',
  QInt8Storage: 'QINT8',
  QUInt8Storage: 'QUINT8',
  QInt32Storage: 'QINT32',
};

const TORCH_DTYPES: Record<string, string> = {
  float32: 'F32',
  float: 'F32',
  float64: 'F64',
  double: 'F64',
  float16: 'F16',
  half: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  long: 'I64',
  int32: 'I32',
  int: 'I32',
  int16: 'I16',
  short: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
  float8_e4m3fn: 'F8_E4M3',
  float8_e5m2: 'F8_E5M2',
  complex64: 'C64',
  complex128: 'C128',
};

/** Modules whose globals are refused even in lenient mode. */
const DENIED_MODULES = new Set([
  'os',
  'posix',
  'nt',
  'subprocess',
  'sys',
  'builtins',
  '__builtin__',
  'shutil',
  'socket',
  'importlib',
  'runpy',
  'pickle',
  '_pickle',
  'marshal',
  'ctypes',
  'code',
  'pty',
  'webbrowser',
  'types',
  'io',
  // Python 2 names that the unpickler's fix_imports maps to subprocess, copyreg and pickle
  'commands',
  'copy_reg',
  'copyreg',
  'cPickle',
]);

/** Plain container constructors that whole-module pickles use (`set()` for module attributes): data only. */
const BUILTIN_CONTAINERS = new Set(
  ['set', 'frozenset', 'list', 'tuple'].flatMap((n) => [`builtins.${n}`, `__builtin__.${n}`]),
);

function toArray(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Set) return [...v];
  return [];
}

class DtypeMarker {
  constructor(readonly dtype: string) {}
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function rebuildTensor(args: unknown[], dtypeArg?: unknown): TorchTensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof Object) || !('key' in (storage as object)))
    throw new Error('tensor without a storage');
  const s = storage as StorageRef;
  if (!isInt(offset) || offset < 0) throw new Error(`invalid storage offset ${String(offset)}`);
  if (!Array.isArray(size) || !Array.isArray(stride) || size.length !== stride.length) {
    throw new Error('invalid tensor size/stride');
  }
  if (!size.every((d) => isInt(d) && d >= 0) || !stride.every((d) => isInt(d) && d >= 0)) {
    throw new Error('invalid tensor size/stride');
  }
  const dtype = dtypeArg instanceof DtypeMarker ? dtypeArg.dtype : s.dtype;
  return new TorchTensor(s, offset, size as number[], stride as number[], dtype);
}

/** The allow-list: the only globals a strict pickle may name, each mapped to a data-only handler. */
function allowedGlobal(module: string, name: string): unknown {
  const fn = (f: (args: unknown[]) => unknown) => new PyCallable(module, name, f);
  const qualified = `${module}.${name}`;
  switch (qualified) {
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2':
      return fn((a) => rebuildTensor(a));
    case 'torch._utils._rebuild_tensor_v3':
      return fn((a) => rebuildTensor(a, a[6]));
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return fn((a) => a[0]);
    case 'torch._tensor._rebuild_from_type_v2':
      return fn((a) => {
        const [f, , args] = a;
        if (!(f instanceof PyCallable)) throw new Error('_rebuild_from_type_v2 of a non-callable');
        return f.call(Array.isArray(args) ? args : []);
      });
    case 'torch.nn.parameter.Parameter':
    case 'torch.Tensor':
      return fn(() => null); // only a type tag for _rebuild_from_type_v2
    case 'collections.OrderedDict':
      return fn((a) => {
        const m = new Map<unknown, unknown>();
        if (Array.isArray(a[0])) for (const kv of a[0]) if (Array.isArray(kv)) m.set(kv[0], kv[1]);
        return m;
      });
    case 'torch.Size':
      return fn((a) => (Array.isArray(a[0]) ? [...a[0]] : []));
    case '_codecs.encode':
      return fn((a) => {
        if (typeof a[0] !== 'string') throw new Error('_codecs.encode of a non-string');
        return Uint8Array.from(a[0], (c) => c.charCodeAt(0) & 0xff);
      });
  }
  if (module === 'torch' && STORAGE_DTYPES[name]) return new DtypeMarker(STORAGE_DTYPES[name]);
  if (module === 'torch' && TORCH_DTYPES[name]) return new DtypeMarker(TORCH_DTYPES[name]);
  return undefined;
}

function resolver(lenient: boolean) {
  return (module: string, name: string): unknown => {
    const allowed = allowedGlobal(module, name);
    if (allowed !== undefined) return allowed;
    const qualified = `${module}.${name}`;
    if (!lenient) {
      throw new Error(
        `global '${qualified}' is not allowed (only tensor rebuild functions, storages, dtypes, torch.Size and ` +
          `OrderedDict are); whole-module pickles and TorchScript need the lenient option`,
      );
    }
    if (BUILTIN_CONTAINERS.has(qualified))
      return new PyCallable(module, name, (args) => [...toArray(args[0])]);
    if (DENIED_MODULES.has(module.split('.')[0])) throw new Error(`global '${qualified}' is refused`);
    return new PyCallable(module, name, (args) => new PyObject(module, name, args));
  };
}

function persistentLoader(storages: Map<string, StorageRef>) {
  return (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5)
      throw new Error('unknown persistent id');
    const [, type, key, , count, view] = pid as unknown[];
    if (!(type instanceof DtypeMarker)) throw new Error('storage of unknown type');
    if (typeof key !== 'string' || !isInt(count) || count < 0) throw new Error('invalid storage id');
    let root = storages.get(key);
    if (!root) {
      root = { key, dtype: type.dtype, numel: count, elementOffset: 0 };
      storages.set(key, root);
    }
    if (Array.isArray(view) && view.length === 3) {
      const [, offset, size] = view;
      if (!isInt(offset) || !isInt(size) || offset < 0 || size < 0) throw new Error('invalid storage view');
      return { key, dtype: root.dtype, numel: size, elementOffset: offset };
    }
    return root;
  };
}

/** Keys under which a training checkpoint keeps the model's weights, in order of preference. */
const STATE_DICT_KEYS = [
  'state_dict',
  'model_state_dict',
  'model',
  'module',
  'net',
  'network',
  'ema',
  'params',
];
/** nn.Module attributes whose names are not part of a parameter's name. */
const TRANSPARENT_KEYS = new Set(['_parameters', '_buffers', '_modules']);
const MAX_DEPTH = 100;

/** Every tensor reachable from the unpickled value, named by the keys on its path (`fc1.weight`). */
function collectTensors(root: unknown, file: string): Array<[string, TorchTensor]> {
  const found: Array<[string, TorchTensor]> = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, names: string[], depth: number) => {
    if (depth > MAX_DEPTH) throw new WeightFileError(file, `object nesting deeper than ${MAX_DEPTH} levels`);
    if (v instanceof TorchTensor) {
      found.push([names.join('.'), v]);
      return;
    }
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (v instanceof Map) {
      for (const [k, x] of v) {
        if (typeof k !== 'string' && typeof k !== 'number') continue;
        walk(x, TRANSPARENT_KEYS.has(String(k)) ? names : [...names, String(k)], depth + 1);
      }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, [...names, String(i)], depth + 1));
    } else if (v instanceof PyObject) {
      walk(v.state, names, depth + 1);
      if (v.args.length) walk(v.args, names, depth + 1);
    }
  };
  let start = root;
  if (root instanceof Map) {
    for (const k of STATE_DICT_KEYS) {
      const sub = root.get(k);
      if (sub !== undefined && hasTensor(sub)) {
        start = sub;
        break;
      }
    }
  }
  walk(start, [], 0);
  return found;
}

function hasTensor(v: unknown): boolean {
  const seen = new Set<unknown>();
  const stack: Array<[unknown, number]> = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (x instanceof TorchTensor) return true;
    if (typeof x !== 'object' || x === null || seen.has(x) || d > MAX_DEPTH) continue;
    seen.add(x);
    const children =
      x instanceof Map ? [...x.values()] : Array.isArray(x) ? x : x instanceof PyObject ? [x.state] : [];
    for (const c of children) stack.push([c, d + 1]);
  }
  return false;
}

/** Where a storage's bytes are: absolute offset in the file, and how many bytes are there. */
interface StorageBytes {
  offset: number;
  length: number;
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/** Reads a strided tensor view from its storage, rows of the leading dimension at a time. */
function tensorReader(
  source: ByteSource,
  info: TensorInfo,
  t: TorchTensor,
  bytes: StorageBytes,
  littleEndian: boolean,
): TensorReadFn {
  const size = dtypeSize(t.dtype) as number;
  const shape = t.shape.length ? t.shape : [1];
  const stride = t.stride.length ? t.stride : [1];
  const base = t.storage.elementOffset + t.offset;
  const contiguous = isContiguous(shape, stride);
  const { rowSize } = leadingRows(shape);
  return async (rows: RowRange): Promise<NumericArray> => {
    const n = rows.end - rows.start;
    if (n === 0 || rowSize === 0) return decode(new Uint8Array(0), t.dtype, littleEndian);
    const first = base + rows.start * stride[0];
    if (contiguous) {
      const raw = await source.read(bytes.offset + first * size, n * rowSize * size, {
        tensor: info.name,
        what: 'tensor data',
      });
      return decode(raw, t.dtype, littleEndian);
    }
    // Views, transposes, shared storage: read the span the rows touch, then gather by strides.
    let last = first + (n - 1) * stride[0];
    for (let d = 1; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
    const raw = await source.read(bytes.offset + first * size, (last - first + 1) * size, {
      tensor: info.name,
      what: 'tensor data',
    });
    const span = decode(raw, t.dtype, littleEndian);
    // a view may repeat its storage (stride 0): bound what it expands to, like any single read
    if (n * rowSize * size > MAX_READ_BYTES) {
      throw source.error(
        `a view of ${n * rowSize} elements over ${span.length} stored ones is too large to read at once`,
        info.name,
        bytes.offset,
      );
    }
    const out = new (span.constructor as new (n: number) => NumericArray)(n * rowSize);
    const sub = [n, ...shape.slice(1)];
    const idx = new Array<number>(sub.length).fill(0);
    let at = 0;
    for (let k = 0; k < out.length; k++) {
      out[k] = span[at];
      for (let d = sub.length - 1; d >= 0; d--) {
        idx[d]++;
        at += stride[d];
        if (idx[d] < sub[d]) break;
        at -= stride[d] * sub[d];
        idx[d] = 0;
      }
    }
    return out;
  };
}

/** Checks a tensor against its storage and builds its entry. */
function tensorEntry(
  source: ByteSource,
  name: string,
  t: TorchTensor,
  bytes: StorageBytes | undefined,
  littleEndian: boolean,
): TensorEntry {
  const shape = checkShape(source.path, name, t.shape);
  const info: TensorInfo = { name, dtype: t.dtype, shape, layout: 'torch' };
  const size = dtypeSize(t.dtype);
  const fail = (detail: string, offset?: number) => source.error(detail, name, offset);
  if (size === undefined) {
    info.unsupported = `dtype ${t.dtype} is not supported`;
    return { info, read: async () => Promise.reject(fail(info.unsupported as string)) };
  }
  if (!bytes) throw fail(`storage '${t.storage.key}' is missing from the file`);
  const storageBytes = t.storage.numel * size;
  if (storageBytes > bytes.length || (t.storage.elementOffset + t.storage.numel) * size > bytes.length) {
    throw fail(
      `storage '${t.storage.key}' declares ${storageBytes} bytes, the file holds ${bytes.length}`,
      bytes.offset,
    );
  }
  if (numel(shape) > 0) {
    let last = t.offset;
    for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * t.stride[d];
    if (last >= t.storage.numel) {
      throw fail(
        `view (offset ${t.offset}, strides [${t.stride.join(', ')}]) reaches element ${last} of a ${t.storage.numel}-element storage`,
        bytes.offset,
      );
    }
  }
  info.byteOffset = bytes.offset + (t.storage.elementOffset + t.offset) * size;
  info.byteLength = numel(shape) * size;
  return { info, read: tensorReader(source, info, t, bytes, littleEndian) };
}

/**
 * Unpickles at `start` of `buf` (which sits at `base` in the file). When `buf` holds the whole pickle, running
 * out of bytes is an error; otherwise PickleTruncated tells the caller to read more.
 */
function unpickleAt(
  source: ByteSource,
  buf: Uint8Array,
  start: number,
  base: number,
  options: OpenOptions,
  storages: Map<string, StorageRef>,
  complete = true,
) {
  try {
    return unpickle(buf, start, {
      resolveGlobal: resolver(options.lenient === true),
      persistentLoad: persistentLoader(storages),
    });
  } catch (err) {
    if (err instanceof PickleError)
      throw source.error(`pickle: ${err.message}`, undefined, base + err.offset);
    if (err instanceof PickleTruncated && complete)
      throw source.error('pickle is truncated', undefined, base + buf.length);
    throw err;
  }
}

function buildEntries(
  source: ByteSource,
  value: unknown,
  locate: (s: StorageRef) => StorageBytes | undefined,
  littleEndian: boolean,
): TensorEntry[] {
  const fallback = path.basename(source.path).replace(/\.[^.]*$/, '');
  const entries: TensorEntry[] = [];
  const names = new Set<string>();
  for (const [rawName, t] of collectTensors(value, source.path)) {
    const name = rawName || fallback;
    if (names.has(name)) continue;
    names.add(name);
    entries.push(tensorEntry(source, name, t, locate(t.storage), littleEndian));
  }
  return entries;
}

const MAX_PICKLE = 256 * 1024 * 1024;

async function openZip(
  source: ByteSource,
  options: OpenOptions,
): Promise<{ entries: TensorEntry[]; kind: string }> {
  const zip = await ZipArchive.open(source);
  const pkl = zip.entries
    .filter((e) => /^[^/]+\/data\.pkl$/.test(e.name) || e.name === 'data.pkl')
    .sort((a, b) => a.name.length - b.name.length)[0];
  if (!pkl) throw source.error('zip archive without data.pkl: not a PyTorch file');
  const prefix = pkl.name.slice(0, -'data.pkl'.length);
  const byteorderEntry = zip.find(`${prefix}byteorder`);
  const littleEndian =
    !byteorderEntry || new TextDecoder().decode(await zip.read(byteorderEntry, 16)).trim() !== 'big';
  const buf = await zip.read(pkl, MAX_PICKLE);
  const storages = new Map<string, StorageRef>();
  const pklStart = await zip.dataOffset(pkl);
  const { value } = unpickleAt(source, buf, 0, pklStart, options, storages);
  const located = new Map<string, StorageBytes>();
  for (const key of storages.keys()) {
    const entry = zip.find(`${prefix}data/${key}`);
    if (!entry) continue;
    const range = await zip.storedRange(entry);
    if (!range)
      throw source.error(
        'compressed tensor storage is not supported',
        `${prefix}data/${key}`,
        entry.localHeaderOffset,
      );
    located.set(key, range);
  }
  const kind =
    zip.find(`${prefix}constants.pkl`) || zip.entries.some((e) => e.name.startsWith(`${prefix}code/`))
      ? 'torchscript'
      : 'zip';
  return { entries: buildEntries(source, value, (s) => located.get(s.key), littleEndian), kind };
}

/** The legacy (non-zip) format starts with the pickled magic number 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e,
];

export function hasLegacyTorchMagic(head: Uint8Array): boolean {
  return LEGACY_MAGIC.every((b, i) => head[i] === b);
}

async function openLegacy(source: ByteSource, options: OpenOptions): Promise<TensorEntry[]> {
  // The pickles sit at the start of the file; read a growing window until they all parse.
  let window = Math.min(source.size, 1 << 20);
  for (;;) {
    const buf = await source.read(0, window, { what: 'pickle' });
    try {
      const storages = new Map<string, StorageRef>();
      let p = LEGACY_MAGIC.length;
      const noStorage = new Map<string, StorageRef>();
      const whole = window >= source.size;
      const protocol = unpickleAt(source, buf, p, 0, {}, noStorage, whole);
      if (protocol.value !== 1001)
        throw source.error(`unsupported legacy protocol ${String(protocol.value)}`, undefined, p);
      const sysInfo = unpickleAt(source, buf, protocol.end, 0, {}, noStorage, whole);
      const littleEndian = !(sysInfo.value instanceof Map) || sysInfo.value.get('little_endian') !== false;
      const main = unpickleAt(source, buf, sysInfo.end, 0, options, storages, whole);
      const keys = unpickleAt(source, buf, main.end, 0, {}, noStorage, whole);
      p = keys.end;
      if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
        throw source.error('legacy storage key list is malformed', undefined, main.end);
      }
      // Storages follow in key order: an int64 element count, then the elements.
      const located = new Map<string, StorageBytes>();
      for (const key of keys.value as string[]) {
        const ref = storages.get(key);
        if (!ref) throw source.error(`storage '${key}' is not used by the pickle`, undefined, p);
        const countBytes = await source.read(p, 8, { what: `storage '${key}' header` });
        const count = Number(new DataView(countBytes.buffer).getBigInt64(0, littleEndian));
        const size = dtypeSize(ref.dtype) ?? 1;
        const length = count * size;
        source.check(p + 8, length, { what: `storage '${key}'` });
        located.set(key, { offset: p + 8, length });
        p += 8 + length;
      }
      return buildEntries(source, main.value, (s) => located.get(s.key), littleEndian);
    } catch (err) {
      if (!(err instanceof PickleTruncated)) throw err;
      if (window >= source.size || window >= MAX_PICKLE) {
        throw source.error('legacy PyTorch pickle is truncated', undefined, window);
      }
      window = Math.min(source.size, window * 4);
    }
  }
}

const EXTENSIONS = new Set(['.pt', '.pth', '.bin', '.ckpt', '.pkl', '.tar']);

/** Opens a PyTorch file at `file` (zip, TorchScript or legacy) and returns its tensor entries. */
export async function openPytorchSource(
  source: ByteSource,
  options: OpenOptions,
): Promise<{ entries: TensorEntry[]; kind: string }> {
  const head = await source.readAtMost(0, LEGACY_MAGIC.length);
  if (hasZipMagic(head)) return openZip(source, options);
  if (hasLegacyTorchMagic(head)) return { entries: await openLegacy(source, options), kind: 'legacy' };
  throw source.error('not a PyTorch file (neither a zip archive nor a legacy pickle)', undefined, 0);
}

export const pytorchReader: FormatReader = {
  id: 'pytorch',
  label: 'PyTorch checkpoint',
  patterns: ['*.pt', '*.pth', '*.bin', '*.ckpt'],
  matches: (file, head) =>
    (EXTENSIONS.has(path.extname(file).toLowerCase()) && hasZipMagic(head)) || hasLegacyTorchMagic(head),
  async open(file, options): Promise<WeightFile> {
    const source = await ByteSource.open(file);
    try {
      const { entries, kind } = await openPytorchSource(source, options);
      return createWeightFile({
        path: file,
        format: 'pytorch',
        entries,
        metadata: { container: kind },
        close: () => source.close(),
      });
    } catch (err) {
      await source.close();
      throw err;
    }
  },
};
