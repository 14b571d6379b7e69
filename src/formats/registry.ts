import { WeightFileError } from './errors';
import { ggufReader } from './gguf';
import { kerasH5Reader, kerasZipReader } from './keras';
import { npyReader } from './npy';
import { npzReader } from './npz';
import { onnxReader } from './onnx';
import { pytorchReader } from './pytorch';
import { safetensorsReader } from './safetensors';
import { shardedReader } from './sharded';
import { tfjsReader } from './tfjs';
import { tfliteReader } from './tflite';
import { ByteSource } from './source';
import type { FormatReader, OpenOptions, WeightFile } from './types';

/** Every reader, most specific first: the first whose `matches` accepts a file opens it. */
export const readers: readonly FormatReader[] = [
  shardedReader,
  safetensorsReader,
  npzReader,
  npyReader,
  pytorchReader,
  onnxReader,
  ggufReader,
  tfjsReader,
  tfliteReader,
  kerasH5Reader,
  kerasZipReader,
];

const HEAD_BYTES = 64 * 1024;

/** The reader for a file, chosen by its name and first bytes; undefined when none matches. */
export async function findReader(path: string): Promise<FormatReader | undefined> {
  const source = await ByteSource.open(path);
  try {
    const head = await source.readAtMost(0, HEAD_BYTES);
    return readers.find((r) => r.matches(path, head));
  } finally {
    await source.close();
  }
}

/** Opens a weight file with the reader that matches it. Only headers are parsed; data is read lazily. */
export async function openWeightFile(path: string, options: OpenOptions = {}): Promise<WeightFile> {
  const reader = await findReader(path);
  if (!reader) {
    const known = readers.flatMap((r) => r.patterns).join(', ');
    throw new WeightFileError(path, `not a weight file this extension reads (known: ${known})`);
  }
  return reader.open(path, options);
}
