/**
 * A safe pickle reader. It runs the pickle stack machine over data only: globals are resolved through
 * `resolveGlobal`, which returns plain functions (the caller's allow-list) or throws; nothing is ever
 * imported or executed. Dicts become `Map`s, lists and tuples arrays, bytes `Uint8Array`s.
 */

/** A Python callable the caller allowed, with its qualified name. */
export class PyCallable {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

/** An inert stand-in for an object of a class that is not allowed to run (lenient mode). */
export class PyObject {
  state: unknown = undefined;
  constructor(
    readonly module: string,
    readonly name: string,
    readonly args: unknown[],
  ) {}
}

/** Thrown when the pickle needs more bytes than the buffer holds (the caller may retry with more). */
export class PickleTruncated extends Error {}

/** Thrown for a malformed pickle or a refused global; `offset` is relative to the buffer. */
export class PickleError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface UnpickleOptions {
  /** Resolves `module.name` to an allowed callable or type; throws (a PickleError message) to refuse it. */
  resolveGlobal(module: string, name: string): unknown;
  /** Resolves a persistent id (PyTorch storages). */
  persistentLoad(pid: unknown): unknown;
  /** Limits: stack and memo entries, and the length of any one container. */
  maxStack?: number;
  maxMemo?: number;
}

/** Unpickles one pickle from `buf` starting at `start`; returns the value and the offset after STOP. */
export function unpickle(
  buf: Uint8Array,
  start: number,
  options: UnpickleOptions,
): { value: unknown; end: number } {
  const maxStack = options.maxStack ?? 1_000_000;
  const maxMemo = options.maxMemo ?? 1_000_000;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let p = start;
  let op = start;

  const fail = (msg: string): never => {
    throw new PickleError(msg, op);
  };
  const need = (n: number) => {
    if (!Number.isSafeInteger(n) || n < 0) fail(`invalid length ${n}`);
    if (p + n > buf.length) throw new PickleTruncated(`pickle needs ${n} bytes at ${p}`);
  };
  const u8 = () => {
    need(1);
    return buf[p++];
  };
  const u16 = () => {
    need(2);
    p += 2;
    return view.getUint16(p - 2, true);
  };
  const u32 = () => {
    need(4);
    p += 4;
    return view.getUint32(p - 4, true);
  };
  const u64 = () => {
    need(8);
    p += 8;
    const v = view.getBigUint64(p - 8, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('length too large');
    return Number(v);
  };
  const bytes = (n: number) => {
    need(n);
    p += n;
    return buf.slice(p - n, p);
  };
  const line = () => {
    const end = buf.indexOf(0x0a, p);
    if (end < 0) throw new PickleTruncated('unterminated line');
    const s = new TextDecoder('latin1').decode(buf.subarray(p, end));
    p = end + 1;
    return s;
  };
  const utf8 = (n: number) => new TextDecoder('utf-8').decode(bytes(n));
  const push = (v: unknown) => {
    if (stack.length >= maxStack) fail('pickle stack too large');
    stack.push(v);
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1]))
      fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK');
    return stack.splice(m as number);
  };
  const put = (i: number, v: unknown) => {
    if (!memo.has(i) && memo.size >= maxMemo) fail('pickle memo too large');
    memo.set(i, v);
  };
  const get = (i: number) => {
    if (!memo.has(i)) fail(`memo key ${i} missing`);
    return memo.get(i);
  };
  const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : fail('APPEND to a non-list'));
  const setItems = (target: unknown, items: unknown[]) => {
    if (items.length % 2) fail('odd number of dict items');
    if (target instanceof Map) for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
    else if (target instanceof PyObject) {
      // e.g. an OrderedDict subclass stand-in: keep its items as its state
      const m = target.state instanceof Map ? target.state : new Map();
      for (let i = 0; i < items.length; i += 2) m.set(items[i], items[i + 1]);
      target.state = m;
    } else fail('SETITEM on a non-dict');
  };
  const call = (f: unknown, args: unknown): unknown => {
    if (!Array.isArray(args)) fail('call arguments are not a tuple');
    if (!(f instanceof PyCallable)) return fail('call of a non-callable');
    return guarded(() => f.call(args as unknown[]));
  };
  const long = (b: Uint8Array): number => {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b.length && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return Number(v);
  };

  for (;;) {
    op = p;
    const code = u8();
    switch (code) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) fail('malformed pickle: stack not a single value at STOP');
        return { value: stack[0], end: p };
      case 0x28: // MARK
        if (marks.length >= maxStack) fail('too many marks');
        marks.push(stack.length);
        break;
      case 0x30: // POP
        if (marks.length && marks[marks.length - 1] === stack.length) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x7d: // EMPTY_DICT
        push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
        push([]);
        break;
      case 0x8f: // EMPTY_SET
        push(new Set());
        break;
      case 0x74: // TUPLE
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x91: // FROZENSET
        push(new Set(popMark()));
        break;
      case 0x85: // TUPLE1
        push([pop()]);
        break;
      case 0x86: {
        const b = pop();
        push([pop(), b]);
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        push([pop(), b, c]);
        break;
      }
      case 0x64: {
        // DICT
        const m = new Map();
        setItems(m, popMark());
        push(m);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        asList(top()).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = asList(top());
        for (const v of items) list.push(v);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail('ADDITEMS on a non-set');
        for (const v of items) (s as Set<unknown>).add(v);
        break;
      }
      case 0x4a: // BININT
        need(4);
        p += 4;
        push(view.getInt32(p - 4, true));
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x49: {
        // INT (text; 00/01 are False/True)
        const s = line();
        if (s === '00' || s === '01') push(s === '01');
        else if (/^[-+]?\d+$/.test(s)) push(Number(s));
        else fail(`bad INT ${s}`);
        break;
      }
      case 0x4c: {
        // LONG (text)
        const s = line().replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(s)) fail(`bad LONG ${s}`);
        push(Number(s));
        break;
      }
      case 0x8a: // LONG1
        push(long(bytes(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = u32();
        if (n > 1024) fail('LONG4 too long');
        push(long(bytes(n)));
        break;
      }
      case 0x47: // BINFLOAT (big endian)
        need(8);
        p += 8;
        push(view.getFloat64(p - 8, false));
        break;
      case 0x46: {
        // FLOAT (text)
        const v = Number(line());
        push(v);
        break;
      }
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88:
        push(true);
        break;
      case 0x89:
        push(false);
        break;
      case 0x58: // BINUNICODE
        push(utf8(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(utf8(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(utf8(u64()));
        break;
      case 0x56: // UNICODE (raw-unicode-escape)
        push(line().replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))));
        break;
      case 0x53: {
        // STRING (quoted repr)
        const s = line();
        const m = /^(['"])(.*)\1$/.exec(s);
        if (!m) fail('bad STRING');
        push((m as RegExpExecArray)[2]);
        break;
      }
      case 0x54: // BINSTRING
        push(new TextDecoder('latin1').decode(bytes(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        push(new TextDecoder('latin1').decode(bytes(u8())));
        break;
      case 0x42: // BINBYTES
        push(bytes(u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        push(bytes(u8()));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(bytes(u64()));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        push(resolve(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(resolve(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const f = pop();
        push(call(f, args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        push(call(cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        const cls = pop();
        push(call(cls, args));
        break;
      }
      case 0x6f: {
        // OBJ
        const items = popMark();
        if (!items.length) fail('OBJ without a class');
        push(call(items[0], items.slice(1)));
        break;
      }
      case 0x69: {
        // INST
        const module = line();
        const name = line();
        push(call(resolve(module, name), popMark()));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof PyObject) obj.state = state;
        else if (!(obj instanceof Map) && typeof obj !== 'object') fail('BUILD on a plain value');
        // Maps (OrderedDict._metadata) and tensors take no state we need.
        break;
      }
      case 0x71: // BINPUT
        put(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        put(u32(), top());
        break;
      case 0x70: // PUT
        put(Number(line()), top());
        break;
      case 0x94: // MEMOIZE
        put(memo.size, top());
        break;
      case 0x68: // BINGET
        push(get(u8()));
        break;
      case 0x6a: // LONG_BINGET
        push(get(u32()));
        break;
      case 0x67: // GET
        push(get(Number(line())));
        break;
      case 0x51: {
        // BINPERSID
        const pid = pop();
        push(guarded(() => options.persistentLoad(pid)));
        break;
      }
      case 0x50: {
        // PERSID
        const pid = line();
        push(guarded(() => options.persistentLoad(pid)));
        break;
      }
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: {
        // EXT4: a global named by a code of Python's copyreg extension registry, which a file cannot fill in
        const ext = code === 0x82 ? u8() : code === 0x83 ? u16() : u32();
        fail(`EXT${code === 0x82 ? 1 : code === 0x83 ? 2 : 4} (extension registry code ${ext}) is refused`);
        break;
      }
      default:
        fail(`unsupported pickle opcode 0x${code.toString(16)}`);
    }
  }

  function resolve(module: string, name: string): unknown {
    return guarded(() => options.resolveGlobal(module, name));
  }

  /** Runs a caller's handler; its errors become PickleErrors at the current opcode. */
  function guarded<T>(f: () => T): T {
    try {
      return f();
    } catch (err) {
      if (err instanceof PickleError || err instanceof PickleTruncated) throw err;
      throw new PickleError((err as Error).message, op);
    }
  }
}
