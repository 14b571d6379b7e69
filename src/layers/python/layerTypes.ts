// The layer constructors recognised in Python sources, their parameters, and the weight matrix each
// gives once the planner (src/layers/index.ts) has turned its tensor into [rows, cols].

export type Framework = 'torch' | 'keras';

/** Literal arguments of a constructor, by parameter name (`kernel_size` may be a tuple). */
export type LayerArgs = Record<string, number | number[]>;

type Kind = 'linear' | 'conv' | 'convTranspose' | 'embedding' | 'recurrent' | 'attention' | 'depthwise';

interface LayerType {
  framework: Framework | 'either';
  kind: Kind;
  /** Positional parameters in order; keyword arguments use the same names. */
  params: string[];
  /** Spatial dimensions of a convolution (kernel_size = k means k in every one). */
  dims?: number;
  /** Gate blocks stacked in a recurrent weight (LSTM 4, GRU 3, plain RNN 1). */
  gates?: number;
}

const TORCH_CONV = ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups'];
const TORCH_CONV_T = [
  'in_channels',
  'out_channels',
  'kernel_size',
  'stride',
  'padding',
  'output_padding',
  'groups',
];
const TORCH_RNN = ['input_size', 'hidden_size', 'num_layers'];

const TYPES: Record<string, LayerType> = {
  Linear: { framework: 'torch', kind: 'linear', params: ['in_features', 'out_features'] },
  LazyLinear: { framework: 'torch', kind: 'linear', params: ['out_features'] },
  Conv1d: { framework: 'torch', kind: 'conv', params: TORCH_CONV, dims: 1 },
  Conv2d: { framework: 'torch', kind: 'conv', params: TORCH_CONV, dims: 2 },
  Conv3d: { framework: 'torch', kind: 'conv', params: TORCH_CONV, dims: 3 },
  ConvTranspose1d: { framework: 'torch', kind: 'convTranspose', params: TORCH_CONV_T, dims: 1 },
  ConvTranspose2d: { framework: 'torch', kind: 'convTranspose', params: TORCH_CONV_T, dims: 2 },
  ConvTranspose3d: { framework: 'torch', kind: 'convTranspose', params: TORCH_CONV_T, dims: 3 },
  EmbeddingBag: { framework: 'torch', kind: 'embedding', params: ['num_embeddings', 'embedding_dim'] },
  MultiheadAttention: { framework: 'torch', kind: 'attention', params: ['embed_dim', 'num_heads'] },
  RNN: { framework: 'torch', kind: 'recurrent', params: TORCH_RNN, gates: 1 },
  // Hugging Face transformers' Conv1D (GPT-2): a linear layer stored [in, out]; see `resolveType`.
  TransformersConv1D: { framework: 'torch', kind: 'linear', params: ['nf', 'nx'] },
  Dense: { framework: 'keras', kind: 'linear', params: ['units'] },
  Conv1D: { framework: 'keras', kind: 'conv', params: ['filters', 'kernel_size'], dims: 1 },
  Conv2D: { framework: 'keras', kind: 'conv', params: ['filters', 'kernel_size'], dims: 2 },
  Conv3D: { framework: 'keras', kind: 'conv', params: ['filters', 'kernel_size'], dims: 3 },
  DepthwiseConv2D: { framework: 'keras', kind: 'depthwise', params: ['kernel_size'], dims: 2 },
  SimpleRNN: { framework: 'keras', kind: 'recurrent', params: ['units'], gates: 1 },
  // Same name in both frameworks: the parameters depend on which one (see `layerType`).
  Embedding: { framework: 'either', kind: 'embedding', params: [] },
  LSTM: { framework: 'either', kind: 'recurrent', params: [], gates: 4 },
  GRU: { framework: 'either', kind: 'recurrent', params: [], gates: 3 },
};

const EITHER_PARAMS: Record<string, Record<Framework, string[]>> = {
  Embedding: { torch: ['num_embeddings', 'embedding_dim'], keras: ['input_dim', 'output_dim'] },
  LSTM: { torch: TORCH_RNN, keras: ['units'] },
  GRU: { torch: TORCH_RNN, keras: ['units'] },
};

/** Constructors that are neither layers nor submodules: containers that name their children, parameters. */
export const CONTAINERS = new Set([
  'Parameter',
  'Sequential',
  'ModuleList',
  'ModuleDict',
  'ParameterList',
  'ParameterDict',
  'OrderedDict',
]);

/** Whether `type` (the last component of a callee, e.g. `Linear` of `nn.Linear`) is a weight layer. */
export function isLayerType(type: string): boolean {
  return Object.hasOwn(TYPES, type);
}

/**
 * The type of a constructor whose name two libraries share: `Conv1D` in a PyTorch file without a Keras
 * prefix is transformers' Conv1D (GPT-2's linear layers), not Keras's convolution.
 */
export function resolveType(type: string, callee: string, fileImportsTorch: boolean): string {
  const keras = /(^|\.)(layers|keras)\./.test(callee);
  return type === 'Conv1D' && fileImportsTorch && !keras ? 'TransformersConv1D' : type;
}

/**
 * The framework of a call: fixed by the type when only one framework has it, else by the callee's
 * prefix (`nn.`/`torch.` → torch, `layers.`/`keras.` → keras), else by what the file imports.
 */
export function frameworkOf(type: string, callee: string, fileImportsTorch: boolean): Framework {
  const fixed = TYPES[type]?.framework;
  if (fixed === 'torch' || fixed === 'keras') return fixed;
  if (/^(torch\.)?nn\./.test(callee)) return 'torch';
  if (/(^|\.)(layers|keras)\./.test(callee)) return 'keras';
  return fileImportsTorch ? 'torch' : 'keras';
}

/** Positional parameter names of a type in a framework. */
export function parametersOf(type: string, framework: Framework): string[] {
  return EITHER_PARAMS[type]?.[framework] ?? TYPES[type]?.params ?? [];
}

/** Keyword spellings of other libraries mapped to ours (Flax's Dense(features=…)). */
export const PARAMETER_ALIASES: Record<string, string> = { features: 'units' };

/** Which weight of a layer a tensor is, from the component that ends its name. */
export type WeightRole = 'weight' | 'input' | 'recurrent' | 'inProjection' | 'unknown';

/** How a tensor's matrix must look for a definition, as far as its literal arguments tell. */
export interface ShapeRule {
  rows?: number;
  cols?: number;
  /** cols must be a multiple of this. */
  colsMultipleOf?: number;
}

export type ShapeCheck = 'agrees' | 'unchecked' | 'disagrees';

interface Definition {
  type: string;
  framework: Framework;
  args: LayerArgs;
}

/**
 * Whether a layer matrix [rows, cols] with the planner's `layout` string can be the weight `role` of a
 * definition: the right rank (a convolution's layout for convolutions, a plain matrix otherwise) and,
 * where the arguments are literal, the right sizes.
 */
export function checkShape(
  def: Definition,
  role: WeightRole,
  shape: [number, number],
  layout: string,
): ShapeCheck {
  const type = TYPES[def.type];
  if (!type || !roleFits(type.kind, role)) return 'disagrees';
  // A 3-D tensor whose name does not say conv is planned as a stack of matrices: only Conv1d gives one.
  if (/^stacked/.test(layout)) return type.kind === 'conv' && type.dims === 1 ? 'unchecked' : 'disagrees';
  const convLayout = /im2col|slice|kernel of|flattened|depthwise/.test(layout);
  const convType = type.kind === 'conv' || type.kind === 'convTranspose' || type.kind === 'depthwise';
  if (convLayout !== convType) return 'disagrees';
  const rule = shapeRule(def, type, role, layout);
  const checks: boolean[] = [];
  if (rule.rows !== undefined) checks.push(shape[0] === rule.rows);
  if (rule.cols !== undefined) checks.push(shape[1] === rule.cols);
  // A multiple of 1 (a 1×1 kernel) checks nothing.
  if (rule.colsMultipleOf !== undefined && rule.colsMultipleOf > 1)
    checks.push(shape[1] % rule.colsMultipleOf === 0);
  if (checks.includes(false)) return 'disagrees';
  return checks.length ? 'agrees' : 'unchecked';
}

function roleFits(kind: Kind, role: WeightRole): boolean {
  if (role === 'unknown') return true;
  if (kind === 'recurrent') return role !== 'inProjection';
  if (kind === 'attention') return role === 'inProjection';
  return role === 'weight';
}

function shapeRule(def: Definition, type: LayerType, role: WeightRole, layout: string): ShapeRule {
  const a = (name: string): number | undefined => {
    const v = def.args[name];
    return typeof v === 'number' ? v : undefined;
  };
  const times = (...xs: (number | undefined)[]) =>
    xs.every((x) => x !== undefined) ? xs.reduce((p, x) => p! * x!, 1) : undefined;
  const over = (x: number | undefined, g: number | undefined) =>
    x !== undefined && g !== undefined && x % g === 0 ? x / g : undefined;
  const k = kernelVolume(def.args.kernel_size, type.dims ?? 1);
  const keras = def.framework === 'keras';

  switch (type.kind) {
    case 'linear':
      if (def.type === 'TransformersConv1D') return { rows: a('nx'), cols: a('nf') };
      return keras ? { rows: a('units') } : { rows: a('out_features'), cols: a('in_features') };
    case 'embedding':
      return keras
        ? { rows: a('output_dim'), cols: a('input_dim') }
        : { rows: a('num_embeddings'), cols: a('embedding_dim') };
    case 'attention': {
      const e = a('embed_dim');
      return { rows: times(3, e), cols: e };
    }
    case 'recurrent': {
      const h = keras ? a('units') : a('hidden_size');
      return { rows: times(type.gates, h), cols: role === 'recurrent' ? h : undefined };
    }
    case 'depthwise':
      return /im2col/.test(layout) ? { cols: k } : {};
    case 'conv':
    case 'convTranspose': {
      // The planner's matrix is [first dim, everything else] of the PyTorch-order kernel.
      const groups = a('groups') ?? 1;
      const [first, second] = keras
        ? [a('filters'), undefined]
        : type.kind === 'conv'
          ? [a('out_channels'), over(a('in_channels'), groups)]
          : [a('in_channels'), over(a('out_channels'), groups)];
      if (/slice/.test(layout)) return { rows: first, cols: second };
      if (/kernel of/.test(layout)) {
        return second === undefined
          ? { rows: k, colsMultipleOf: first }
          : { rows: k, cols: times(first, second) };
      }
      return second === undefined
        ? { rows: first, colsMultipleOf: k }
        : { rows: first, cols: times(second, k) };
    }
  }
}

function kernelVolume(size: number | number[] | undefined, dims: number): number | undefined {
  if (typeof size === 'number') return size ** dims;
  if (Array.isArray(size) && size.length === dims) return size.reduce((p, x) => p * x, 1);
  return undefined;
}
