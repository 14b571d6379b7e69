// Writes an LLM-sized sharded safetensors model for the scale test of issue 6 (never committed):
// 4 shards, float16, hidden 4096, 8 blocks of q/k/v/o 4096×4096 and MLP 11008×4096 (up) / 4096×11008
// (down), plus a 32000×4096 embedding and LM head. About 3.1 GB.
//   node scripts/make-llm-shards.mjs [folder] [--hidden 4096] [--mlp 11008] [--vocab 32000] [--blocks 8]
//   (folder default .cache/llm-shards; the flags make smaller models of the same structure for quick runs)
// Entries are i.i.d. draws from 65536 pre-drawn N(0, 0.02²) float16 values, picked by xorshift:
// the same law up to float16 rounding, at disk speed.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  args.splice(at, 2);
  return value;
};
const hidden = flag('hidden', 4096);
const mlp = flag('mlp', 11008);
const vocab = flag('vocab', 32000);
const blocks = flag('blocks', 8);
const folder = resolve(args[0] ?? '.cache/llm-shards');
const shards = 4;

const tensors = [['model.embed_tokens.weight', [vocab, hidden]]];
for (let b = 0; b < blocks; b++) {
  const p = `model.layers.${b}`;
  for (const n of ['q_proj', 'k_proj', 'v_proj', 'o_proj'])
    tensors.push([`${p}.self_attn.${n}.weight`, [hidden, hidden]]);
  tensors.push([`${p}.mlp.up_proj.weight`, [mlp, hidden]]);
  tensors.push([`${p}.mlp.down_proj.weight`, [hidden, mlp]]);
  tensors.push([`${p}.input_layernorm.weight`, [hidden]]);
}
tensors.push(['model.norm.weight', [hidden]], ['lm_head.weight', [vocab, hidden]]);

// xorshift (Marsaglia 2003, 32-bit) for table indices and the table itself: reproducible, fast.
let state = 0x9e3779b9;
function next32() {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state >>> 0;
}
const uniform = () => (next32() + 0.5) / 4294967296;

function toFloat16Bits(value) {
  const bits = new Uint32Array(new Float32Array([value]).buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  if (exponent <= 0) return sign; // below float16's normal range: flushed to zero
  if (exponent >= 31) return sign | 0x7c00;
  return sign | (exponent << 10) | ((bits & 0x7fffff) >>> 13);
}

// 65536 Box–Muller draws of N(0, 0.02²) as float16.
const table = new Uint16Array(65536);
for (let i = 0; i < table.length; i += 2) {
  const r = 0.02 * Math.sqrt(-2 * Math.log(uniform()));
  const angle = 2 * Math.PI * uniform();
  table[i] = toFloat16Bits(r * Math.cos(angle));
  table[i + 1] = toFloat16Bits(r * Math.sin(angle));
}

mkdirSync(folder, { recursive: true });
const perShard = Math.ceil(tensors.length / shards);
const weightMap = {};
let totalSize = 0;
const chunk = new Uint16Array(4 << 20);
for (let s = 0; s < shards; s++) {
  const part = tensors.slice(s * perShard, (s + 1) * perShard);
  const name = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
  const header = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [tensor, shape] of part) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 2;
    header[tensor] = { dtype: 'F16', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
    weightMap[tensor] = name;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const fd = openSync(join(folder, name), 'w');
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  writeSync(fd, size);
  writeSync(fd, Buffer.from(json));
  for (const [tensor, shape] of part) {
    let left = shape.reduce((a, b) => a * b, 1);
    const isNorm = shape.length === 1;
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      for (let i = 0; i < n; i++) chunk[i] = isNorm ? 0x3c00 : table[next32() >>> 16];
      writeSync(fd, new Uint8Array(chunk.buffer, 0, n * 2));
      left -= n;
    }
    process.stdout.write(`${name}: ${tensor}\n`);
  }
  closeSync(fd);
  totalSize += offset;
}
writeFileSync(
  join(folder, 'model.safetensors.index.json'),
  JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2),
);
console.log(`wrote ${(totalSize / 1e9).toFixed(2)} GB in ${shards} shards to ${folder}`);
