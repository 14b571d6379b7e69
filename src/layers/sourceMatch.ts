// Matches the analysed layers of a report to the lines of Python that define them. No vscode here:
// the UI (src/ui/sourceDiagnostics.ts) scans the files and draws the results.
//
// A layer `encoder.layers.0.fc1.weight` [out, in] matches a definition when
//   1. the definition's module path ends the layer's (`fc1`; `net.0`; `layers.*`), or its Keras name= is
//      the layer's last component (`dense_1/dense_1/kernel:0`, `layers/dense_1/vars/0`);
//   2. the constructor agrees with the matrix: the right rank, and the right sizes where its arguments
//      are literal (nn.Linear(in, out) ↔ [out, in], Conv2d(in, out, k) ↔ [out, in·k·k] under im2col, …);
//   3. among those, the definitions whose classes explain the most of the dotted name win: `attn.c_proj`
//      is the c_proj of the class that Block holds as `self.attn`, not the c_proj of the MLP. Then a
//      literal shape that agrees beats one that could not be checked. What is still tied is kept, all of
//      it, and says how many candidates there were.
import type { LayerReport } from '../engine/report';
import type { LayerDefinition, PythonModel, SubmoduleDefinition } from './python/definitions';
import { checkShape, type WeightRole } from './python/layerTypes';

export { findLayerDefinitions, scanPython } from './python/definitions';
export type { LayerDefinition, PythonModel, SubmoduleDefinition } from './python/definitions';
export type { LayerArgs } from './python/layerTypes';

/** What the matcher reads of a layer report. */
export type MatchableLayer = Pick<LayerReport, 'name' | 'shape' | 'layout'> & { tensor?: string };

export interface SourceMatch<L extends MatchableLayer = LayerReport> {
  layer: L;
  definition: LayerDefinition;
  /** How many definitions matched this layer equally well (1 = unambiguous). */
  candidates: number;
  /** Whether literal arguments confirmed the shape. */
  shape: 'agrees' | 'unchecked';
  /** Components of the layer's module path accounted for by the definition and the classes above it. */
  explained: number;
}

/** A layer's name split into its module path and the kind of weight it ends with. */
export interface ModulePath {
  path: string[];
  role: WeightRole;
}

const ROLES: [RegExp, WeightRole][] = [
  [/^(weight|weight_orig|weight_v|kernel|embeddings|depthwise_kernel)$/, 'weight'],
  [/^weight_ih_l\d+(_reverse)?$/, 'input'],
  [/^(weight_hh_l\d+(_reverse)?|recurrent_kernel)$/, 'recurrent'],
  [/^in_proj_weight$/, 'inProjection'],
];

/**
 * `encoder.layers.0.fc1.weight` → path encoder/layers/0/fc1, role weight. Slices (`[k]`, `[y,x]`) and
 * Keras `:0` suffixes are dropped, Keras 2's repeated layer name (`dense/dense/kernel:0`) is said once,
 * Keras 3's `vars/N` gives an unknown role. Names that end in no known weight give undefined.
 */
export function modulePath(tensorName: string): ModulePath | undefined {
  const parts = tensorName
    .replace(/\[[^\]]*\]$/, '')
    .split(/[./]/)
    .map((c) => c.replace(/:\d+$/, ''))
    .filter(Boolean);
  // torch.nn.utils.parametrize: fc.parametrizations.weight.original
  if (/^original\d?$/.test(parts[parts.length - 1] ?? '') && parts[parts.length - 3] === 'parametrizations') {
    parts.splice(-3, 3, 'weight');
  }
  const last = parts.pop();
  if (last === undefined) return undefined;
  let role = ROLES.find(([pattern]) => pattern.test(last))?.[1];
  if (!role && /^\d+$/.test(last) && parts[parts.length - 1] === 'vars') {
    parts.pop();
    role = 'unknown';
  }
  const path = parts.filter((c, i) => c !== parts[i - 1]);
  return role && path.length ? { path, role } : undefined;
}

/** Matches every layer of the report against the definitions (of one file or of many, merged). */
export function matchLayers<L extends MatchableLayer>(
  model: PythonModel | LayerDefinition[],
  report: { layers: readonly L[] },
): SourceMatch<L>[] {
  const { layers: definitions, submodules } = Array.isArray(model)
    ? { layers: model, submodules: [] }
    : model;
  const matches: SourceMatch<L>[] = [];
  for (const layer of report.layers) {
    const parsed = modulePath(layer.tensor || layer.name);
    if (!parsed) continue;
    const scored: Omit<SourceMatch<L>, 'candidates'>[] = [];
    for (const definition of definitions) {
      const own = ownLength(definition, parsed.path);
      if (!own) continue;
      const shape = checkShape(definition, parsed.role, layer.shape, layer.layout);
      if (shape === 'disagrees') continue;
      const explained = own + explainAbove(definition.className, parsed.path.slice(0, -own), submodules);
      scored.push({ layer, definition, shape, explained });
    }
    const most = Math.max(...scored.map((s) => s.explained));
    const top = scored.filter((s) => s.explained === most);
    const agreeing = top.filter((s) => s.shape === 'agrees');
    const chosen = agreeing.length ? agreeing : top;
    for (const s of chosen) matches.push({ ...s, candidates: chosen.length });
  }
  return matches;
}

/** Merges the scans of several files into one model (classes of one file may hold those of another). */
export function mergeModels(models: readonly PythonModel[]): PythonModel {
  return {
    layers: models.flatMap((m) => m.layers),
    submodules: models.flatMap((m) => m.submodules),
  };
}

/** How many trailing components of `path` the definition names (0 = not this layer). */
function ownLength(definition: LayerDefinition, path: string[]): number {
  const byPath = suffixLength(definition.path, path);
  const byName = definition.name !== undefined && definition.name === path[path.length - 1] ? 1 : 0;
  return Math.max(byPath, byName);
}

/** pattern.length if `pattern` ends `path` ('*' standing for any index), else 0. */
function suffixLength(pattern: readonly string[], path: readonly string[]): number {
  if (!pattern.length || pattern.length > path.length) return 0;
  const offset = path.length - pattern.length;
  const fits = pattern.every(
    (p, i) => p === path[offset + i] || (p === '*' && /^\d+$/.test(path[offset + i])),
  );
  return fits ? pattern.length : 0;
}

/**
 * How many more components of `rest` (the path above a definition) the chain of classes explains:
 * a class that holds `className` under the path's last components, then the class holding that one,
 * and so on. A component that only equals the class's name (`encoder` for class Encoder) counts once.
 */
function explainAbove(
  className: string | undefined,
  rest: readonly string[],
  submodules: readonly SubmoduleDefinition[],
): number {
  if (className === undefined || rest.length === 0) return 0;
  let best = 0;
  for (const s of submodules) {
    if (s.type !== className) continue;
    const n = suffixLength(s.path, rest);
    if (n) best = Math.max(best, n + explainAbove(s.className, rest.slice(0, -n), submodules));
  }
  if (best === 0 && normalise(rest[rest.length - 1]) === normalise(className)) best = 1;
  return best;
}

function normalise(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}
