/**
 * Malicious pickles: every opcode that can reach a callable, naming os.system, posix.system, subprocess.Popen,
 * builtins.eval/exec and sys.exit, inside torch.save zip archives (data.pkl) and legacy files, strict and lenient.
 * Each is refused with the global's name, and the marker file its payload would create never appears.
 * Then bombs: deep nesting, shared-reference (memo) bombs, huge lengths: refused quickly with a clear error.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { openWeightFile } from '../../../src/formats/registry';
import { refusal, scratchDir, timed, torchLegacy, torchZip } from './craft';

const scratch = scratchDir('rmt-pickle-');
after(() => scratch.dispose());

const bytes = (s: string) => Buffer.from(s, 'latin1');
/** SHORT_BINUNICODE */
const str = (s: string) => Buffer.concat([Buffer.from([0x8c, Buffer.byteLength(s)]), Buffer.from(s)]);
const GLOBAL = (m: string, n: string) => bytes(`c${m}\n${n}\n`);
const STACK_GLOBAL = (m: string, n: string) => Buffer.concat([str(m), str(n), Buffer.from([0x93])]);
const P2 = Buffer.from([0x80, 0x02]);
const P4 = Buffer.from([0x80, 0x04]);

/** Builds a pickle that calls `module.name(arg)` through one opcode; its value sits under key 'w'. */
const OPCODES: Record<string, (m: string, n: string, arg: Buffer) => Buffer> = {
  'GLOBAL + REDUCE': (m, n, a) => Buffer.concat([P2, GLOBAL(m, n), bytes('('), a, bytes('tR')]),
  'STACK_GLOBAL + REDUCE': (m, n, a) => Buffer.concat([P4, STACK_GLOBAL(m, n), a, bytes('\x85R')]),
  INST: (m, n, a) => Buffer.concat([P2, bytes('('), a, bytes(`i${m}\n${n}\n`)]),
  OBJ: (m, n, a) => Buffer.concat([P2, bytes('('), GLOBAL(m, n), a, bytes('o')]),
  NEWOBJ: (m, n, a) => Buffer.concat([P2, GLOBAL(m, n), a, bytes('\x85\x81')]),
  NEWOBJ_EX: (m, n, a) => Buffer.concat([P4, STACK_GLOBAL(m, n), a, bytes('\x85}\x92')]),
  // BUILD hands state to an object's __setstate__: the object here is the callable itself
  BUILD: (m, n, a) => Buffer.concat([P2, GLOBAL(m, n), bytes('}'), str('cmd'), a, bytes('sb')]),
};
/** The payload as a value inside a state dict: {'w': payload}. */
const inDict = (payload: Buffer) =>
  Buffer.concat([payload.subarray(0, 2), bytes('}'), str('w'), payload.subarray(2), bytes('s.')]);

const GLOBALS: Array<[string, string]> = [
  ['os', 'system'],
  ['posix', 'system'],
  ['subprocess', 'Popen'],
  ['builtins', 'eval'],
  ['builtins', 'exec'],
  ['sys', 'exit'],
  ['nt', 'system'],
  ['__builtin__', 'eval'],
];

const CONTAINERS: Record<string, (pickle: Buffer) => Buffer> = {
  zip: (p) => torchZip(p),
  legacy: (p) => torchLegacy(p),
};

let counter = 0;
/** A file holding `pickle` in `container`, and the marker path its payload names. */
function hostile(container: string, make: (marker: string) => Buffer): { file: string; marker: string } {
  const marker = path.join(scratch.dir, `marker-${++counter}`);
  const file = scratch.write(`evil-${counter}.pt`, CONTAINERS[container](inDict(make(marker))));
  return { file, marker };
}

describe('malicious pickles are refused, naming the global, and nothing runs', () => {
  for (const container of Object.keys(CONTAINERS)) {
    for (const [opcode, build] of Object.entries(OPCODES)) {
      test(`${container}: ${opcode}`, async () => {
        for (const [m, n] of GLOBALS) {
          for (const lenient of [false, true]) {
            const { file, marker } = hostile(container, (mk) => build(m, n, str(`touch ${mk}`)));
            const { ms, value: e } = await timed(() => refusal(file, { lenient }));
            assert.ok(e.detail.includes(`'${m}.${n}'`), `${m}.${n} (lenient ${lenient}): ${e.message}`);
            assert.match(e.detail, lenient ? /refused/ : /not allowed/);
            assert.ok(e.offset !== undefined, `a byte offset: ${e.message}`);
            assert.equal(existsSync(marker), false);
            assert.ok(ms < 1000, `${ms} ms`);
          }
        }
      });
    }
    test(`${container}: EXT1, EXT2, EXT4 (globals by extension-registry code) are refused`, async () => {
      for (const ext of ['\x82\x01', '\x83\x01\x00', '\x84\x01\x00\x00\x00']) {
        for (const lenient of [false, true]) {
          const { file, marker } = hostile(container, (mk) =>
            Buffer.concat([P2, bytes(ext), bytes('('), str(`touch ${mk}`), bytes('tR')]),
          );
          const e = await refusal(file, { lenient });
          assert.match(e.detail, /EXT[124].*code 1.*refused/, e.message);
          assert.equal(existsSync(marker), false);
        }
      }
    });
  }

  test('legacy: a payload in the sys_info pickle (always read strictly) is refused', async () => {
    const marker = path.join(scratch.dir, 'marker-sysinfo');
    const p = Buffer.concat([OPCODES['GLOBAL + REDUCE']('os', 'system', str(`touch ${marker}`)), bytes('.')]);
    for (const lenient of [false, true]) {
      const e = await refusal(scratch.write('sysinfo.pt', torchLegacy(p, 'sysInfo')), { lenient });
      assert.ok(e.detail.includes(`'os.system'`), e.message);
      assert.equal(existsSync(marker), false);
    }
  });

  /**
   * What Python's own pickle writes for an object whose __reduce__ returns (f, args), protocols 0, 2, 4
   * (generated by /usr/bin/python3 `pickle.dumps({'w': Evil()}, protocol)`, never unpickled). os.system pickles as
   * posix.system, subprocess.Popen as commands.Popen (Python 2 name, mapped back by fix_imports), builtins as
   * __builtin__ below protocol 3. The payloads `touch MARKER` relative to the working directory.
   */
  const PYTHON: Array<[string, string, string]> = [
    [
      'posix.system',
      '0',
      '286470300a56770a70310a63706f7369780a73797374656d0a70320a2856746f756368204d41524b45520a70330a7470340a5270350a732e',
    ],
    [
      'posix.system',
      '2',
      '80027d7100580100000077710163706f7369780a73797374656d0a7102580c000000746f756368204d41524b45527103857104527105732e',
    ],
    [
      'posix.system',
      '4',
      '8004952e000000000000007d948c0177948c05706f736978948c0673797374656d9493948c0c746f756368204d41524b45529485945294732e',
    ],
    [
      'commands.Popen',
      '2',
      '80027d7100580100000077710163636f6d6d616e64730a506f70656e0a71025d7103285805000000746f756368710458060000004d41524b4552710565857106527107732e',
    ],
    [
      'subprocess.Popen',
      '4',
      '80049538000000000000007d948c0177948c0a73756270726f63657373948c05506f70656e9493945d94288c05746f756368948c064d41524b4552946585945294732e',
    ],
    [
      '__builtin__.eval',
      '2',
      '80027d71005801000000777101635f5f6275696c74696e5f5f0a6576616c0a710258270000005f5f696d706f72745f5f28276f7327292e73797374656d2827746f756368204d41524b455227297103857104527105732e',
    ],
    [
      'builtins.exec',
      '4',
      '80049535000000000000007d948c0177948c086275696c74696e73948c04657865639493948c126f70656e28274d41524b4552272c277727299485945294732e',
    ],
    ['sys.exit', '0', '286470300a56770a70310a637379730a657869740a70320a2849330a7470330a5270340a732e'],
  ];
  test("Python's own malicious pickles (protocols 0, 2, 4), zip and legacy, strict and lenient", async () => {
    for (const [global, protocol, hex] of PYTHON) {
      for (const container of Object.keys(CONTAINERS)) {
        for (const lenient of [false, true]) {
          const file = scratch.write(`python-${protocol}.pt`, CONTAINERS[container](Buffer.from(hex, 'hex')));
          const e = await refusal(file, { lenient });
          assert.ok(
            e.detail.includes(`'${global}'`),
            `${global} ${container} lenient ${lenient}: ${e.message}`,
          );
        }
      }
    }
    assert.equal(existsSync(path.resolve('MARKER')), false);
  });
});

describe('pickle bombs are refused quickly with a clear error', () => {
  const quick = async (name: string, pickle: Buffer, detail: RegExp) => {
    for (const container of Object.keys(CONTAINERS)) {
      const file = scratch.write(`${name}.pt`, CONTAINERS[container](pickle));
      const { ms, value: e } = await timed(() => refusal(file));
      assert.match(e.detail, detail, `${container}: ${e.message}`);
      assert.ok(ms < 5000, `${container}: ${ms} ms`); // ~0.7 s alone, mostly GC of a million lists
    }
  };

  test('lists nested a million deep', async () => {
    const n = 1_000_000;
    await quick(
      'deep',
      Buffer.concat([P2, Buffer.alloc(n, 0x5d), Buffer.alloc(n - 1, 0x61), bytes('.')]),
      /nesting deeper/,
    );
  });
  test('tuples nested through a million MARKs', async () => {
    const n = 1_000_000;
    await quick(
      'marks',
      Buffer.concat([P2, Buffer.alloc(n, 0x28), Buffer.alloc(n, 0x74), bytes('.')]),
      /too many marks|nesting deeper/,
    );
  });
  test('a shared-reference bomb: 2^90 paths through one chain of tuples opens at once', async () => {
    // {'state_dict': L90} with L0 = [] and L(k+1) = (Lk, Lk) by DUP: tiny as a DAG, 2^90 paths as a tree
    const levels = Array.from({ length: 90 }, () => bytes('2\x86'));
    const p = Buffer.concat([P2, bytes('}'), str('state_dict'), bytes(']'), ...levels, bytes('s.')]);
    for (const container of Object.keys(CONTAINERS)) {
      const file = scratch.write('shared.pt', CONTAINERS[container](p));
      const { ms, value: f } = await timed(() => openWeightFile(file));
      assert.equal(f.tensors.length, 0);
      await f.close();
      assert.ok(ms < 1000, `${container}: ${ms} ms`);
    }
  });
  test('a million memo entries', async () => {
    const put = Buffer.alloc(5 * 1_100_000);
    for (let i = 0; i < 1_100_000; i++) {
      put[5 * i] = 0x72; // LONG_BINPUT i
      put.writeUInt32LE(i, 5 * i + 1);
    }
    await quick('memo-many', Buffer.concat([P2, bytes(']'), put, bytes('.')]), /memo too large/);
  });
  test('huge BINUNICODE, BINUNICODE8, BINBYTES8, LONG4 and FRAME lengths', async () => {
    const u32 = (op: number, n: number) => {
      const b = Buffer.alloc(5);
      b[0] = op;
      b.writeUInt32LE(n, 1);
      return b;
    };
    const u64 = (op: number, n: bigint) => {
      const b = Buffer.alloc(9);
      b[0] = op;
      b.writeBigUInt64LE(n, 1);
      return b;
    };
    await quick('binunicode', Buffer.concat([P2, u32(0x58, 0xfffffff0), bytes('abc.')]), /truncated/);
    await quick(
      'binunicode8',
      Buffer.concat([P4, u64(0x8d, 1n << 62n), bytes('abc.')]),
      /length too large|truncated/,
    );
    await quick(
      'binbytes8',
      Buffer.concat([P4, u64(0x8e, (1n << 64n) - 1n), bytes('.')]),
      /length too large/,
    );
    await quick('long4', Buffer.concat([P2, u32(0x8b, 0x7fffffff), bytes('.')]), /LONG4 too long/);
    await quick('frame', Buffer.concat([P4, u64(0x95, 1n << 63n), bytes('N.')]), /length too large/);
  });
});
