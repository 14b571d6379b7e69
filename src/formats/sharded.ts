import * as path from 'node:path';
import { WeightFileError } from './errors';
import { resolveInside } from './paths';
import { openPytorchSource } from './pytorch';
import { openSafetensorsSource } from './safetensors';
import { ByteSource } from './source';
import { createWeightFile, type TensorEntry } from './tensor';
import type { FormatReader, OpenOptions, WeightFile } from './types';

const MAX_INDEX = 64 * 1024 * 1024;

/**
 * `model.safetensors.index.json` / `pytorch_model.bin.index.json`: the shards listed in `weight_map`
 * open as one model, tensors in shard order and, within a shard, in file order.
 */
export const shardedReader: FormatReader = {
  id: 'sharded',
  label: 'Sharded model index',
  patterns: ['*.safetensors.index.json', '*.bin.index.json', '*.pt.index.json', '*.pth.index.json'],
  matches: (file) => /\.(safetensors|bin|pt|pth)\.index\.json$/i.test(path.basename(file)),
  async open(file: string, options: OpenOptions): Promise<WeightFile> {
    const index = await ByteSource.open(file);
    let text: string;
    try {
      if (index.size > MAX_INDEX) throw index.error(`index of ${index.size} bytes is too large`);
      text = new TextDecoder().decode(await index.read(0, index.size));
    } finally {
      await index.close();
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new WeightFileError(file, `index is not valid JSON: ${(err as Error).message}`);
    }
    const map = (doc as { weight_map?: unknown })?.weight_map;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) {
      throw new WeightFileError(file, 'index has no weight_map object');
    }
    const wanted = new Map<string, Set<string>>(); // shard → tensor names
    for (const [tensor, shard] of Object.entries(map as Record<string, unknown>)) {
      if (typeof shard !== 'string')
        throw new WeightFileError(file, 'weight_map value is not a file name', tensor);
      resolveInside(path.dirname(file), file, shard, tensor);
      if (!wanted.has(shard)) wanted.set(shard, new Set());
      wanted.get(shard)!.add(tensor);
    }
    const safetensors = /\.safetensors\.index\.json$/i.test(file);
    const sources: ByteSource[] = [];
    const entries: TensorEntry[] = [];
    try {
      for (const shard of [...wanted.keys()].sort()) {
        const source = await ByteSource.open(resolveInside(path.dirname(file), file, shard));
        sources.push(source);
        const shardEntries = safetensors
          ? (await openSafetensorsSource(source)).entries
          : (await openPytorchSource(source, options)).entries;
        const names = wanted.get(shard)!;
        const present = new Set(shardEntries.map((e) => e.info.name));
        for (const name of names) {
          if (!present.has(name))
            throw new WeightFileError(file, `listed in weight_map but missing from ${shard}`, name);
        }
        entries.push(...shardEntries.filter((e) => names.has(e.info.name)));
      }
    } catch (err) {
      await Promise.all(sources.map((s) => s.close()));
      throw err;
    }
    return createWeightFile({
      path: file,
      format: safetensors ? 'safetensors' : 'pytorch',
      entries,
      metadata: { shards: String(sources.length) },
      close: async () => {
        await Promise.all(sources.map((s) => s.close()));
      },
    });
  },
};
