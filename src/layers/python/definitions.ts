// Finds where a Python model file constructs its layers, and under which state-dict path each one
// ends up: `self.fc1 = nn.Linear(…)` → fc1, `self.net = nn.Sequential(nn.Linear(…), …)` → net.0,
// `self.h = nn.ModuleList([Block(c) for _ in …])` → h.* (any index), `dict(wte=nn.Embedding(…))` → wte,
// `layers.Dense(64, name='fc1')` → Keras name fc1. Nothing is executed; a file that does not parse
// simply yields fewer definitions.
import { evaluate, type Bindings } from './evaluate';
import {
  frameworkOf,
  isLayerType,
  parametersOf,
  PARAMETER_ALIASES,
  resolveType,
  type Framework,
  type LayerArgs,
} from './layerTypes';
import { callsOf, pathOf, statementTarget, type Pending } from './calls';
import { tokenize, type LogicalLine, type Token } from './tokens';

export interface LayerDefinition {
  /** 0-based line of the constructor call. */
  line: number;
  /** Columns on that line: from the attribute (`self.fc1`, `wte=`) or else the call, to the end of the constructor's name. */
  startColumn: number;
  endColumn: number;
  /** Module path relative to the enclosing class: ['fc1'], ['net', '0'], ['layers', '*'] ('*' = any index). */
  path: string[];
  /** The last named component of `path` (`fc1`, `layers`), if any. */
  attribute?: string;
  /** Keras `name=`. */
  name?: string;
  /** The enclosing class. */
  className?: string;
  /** The constructor as written (`nn.Linear`, or a helper such as `conv3x3`) and the layer type (`Linear`). */
  callee: string;
  type: string;
  framework: Framework;
  /** Literal arguments by parameter name (in_features, out_channels, kernel_size, units, …). */
  args: LayerArgs;
  /** The file it was found in, as given to `findLayerDefinitions`. */
  file?: string;
}

/** A module of the file's own classes held by another: `self.attn = CausalSelfAttention(config)` in Block. */
export interface SubmoduleDefinition {
  className?: string;
  path: string[];
  /** The constructed class (`CausalSelfAttention`). */
  type: string;
  line: number;
  file?: string;
}

export interface PythonModel {
  layers: LayerDefinition[];
  submodules: SubmoduleDefinition[];
}

/** A function whose body is `return <layer>(…)` (torchvision's conv3x3), used like a constructor. */
interface Helper {
  type: string;
  callee: string;
  params: string[];
  defaults: Map<string, Token[]>;
  args: Token[][];
}

/** Every layer definition of a Python source. */
export function findLayerDefinitions(source: string, file?: string): LayerDefinition[] {
  return scanPython(source, file).layers;
}

/** What a file tells about every call in it. */
interface FileContext {
  file?: string;
  constants: Bindings;
  helpers: Map<string, Helper>;
  importsTorch: boolean;
}

/** Layer definitions and submodule assignments of a Python source. */
export function scanPython(source: string, file?: string): PythonModel {
  const lines = tokenize(source);
  const context: FileContext = {
    file,
    constants: moduleConstants(lines),
    helpers: helperFunctions(lines),
    importsTorch: /^\s*(import\s+torch|from\s+torch[\s.])/m.test(source),
  };
  const model: PythonModel = { layers: [], submodules: [] };
  const classes: { name: string; indent: number }[] = [];

  for (const line of lines) {
    while (classes.length && classes[classes.length - 1].indent >= line.indent) classes.pop();
    const [first, second] = line.tokens;
    if (first.text === 'class' && second?.kind === 'name') {
      classes.push({ name: second.text, indent: line.indent });
      continue;
    }
    const className = classes[classes.length - 1]?.name;
    const target = statementTarget(line.tokens, line.indent);
    for (const call of callsOf(line.tokens, (callee) => context.helpers.get(callee)?.type)) {
      const placed = pathOf(call.applied ? { path: [] } : target, call.context);
      if (isLayerType(call.type)) {
        model.layers.push(layerDefinition(call, placed, className, context));
      } else if (placed.path.length) {
        model.submodules.push({
          ...(className !== undefined && { className }),
          path: placed.path,
          type: call.type,
          line: call.callee.first.line,
          ...(file !== undefined && { file }),
        });
      }
    }
  }
  return model;
}

function layerDefinition(
  call: Pending,
  { path, token }: { path: string[]; token?: Token },
  className: string | undefined,
  { file, constants, helpers, importsTorch }: FileContext,
): LayerDefinition {
  const helper = helpers.get(call.callee.text);
  const callee = helper?.callee ?? call.callee.text;
  const type = resolveType(call.type, callee, importsTorch);
  const framework = frameworkOf(type, callee, importsTorch);
  const { args, name } = helper
    ? helperArguments({ ...helper, type }, call.args ?? [], constants, framework)
    : layerArguments(type, framework, call.args ?? [], constants);
  const { first: start, last: end } = call.callee;
  const labelled = token && token.line === start.line && token.column <= start.column;
  const attribute = [...path].reverse().find((c) => !/^(\d+|\*)$/.test(c));
  return {
    line: start.line,
    startColumn: labelled ? token.column : start.column,
    endColumn: end.line === start.line ? end.endColumn : start.endColumn,
    path,
    ...(attribute !== undefined && { attribute }),
    ...(name !== undefined && { name }),
    ...(className !== undefined && { className }),
    callee: call.callee.text,
    type,
    framework,
    args,
    ...(file !== undefined && { file }),
  };
}

function layerArguments(
  type: string,
  framework: Framework,
  args: Token[][],
  bindings: Bindings,
): { args: LayerArgs; name?: string } {
  const params = parametersOf(type, framework);
  const out: LayerArgs = {};
  let name: string | undefined;
  let position = 0;
  let afterStar = false;
  for (const arg of args) {
    if (arg[0]?.kind === 'name' && arg[1]?.text === '=') {
      const key = PARAMETER_ALIASES[arg[0].text] ?? arg[0].text;
      const value = arg.slice(2);
      if (key === 'name') name = value.length === 1 && value[0].kind === 'string' ? value[0].text : undefined;
      else set(out, key, evaluate(value, bindings));
    } else if (arg[0]?.text === '*' || arg[0]?.text === '**') {
      afterStar = true;
    } else {
      const key = afterStar ? undefined : params[position];
      position++;
      if (key) set(out, key, evaluate(arg, bindings));
    }
  }
  return { args: out, name };
}

function set(args: LayerArgs, key: string, value: number | number[] | undefined): void {
  if (value !== undefined) args[key] = value;
}

/** Integer constants assigned at module level (`D_MODEL = 256`, `HIDDEN: int = 4 * D_MODEL`). */
function moduleConstants(lines: LogicalLine[]): Map<string, number | number[]> {
  const constants = new Map<string, number | number[]>();
  for (const { indent, tokens } of lines) {
    if (indent !== 0 || tokens[0].kind !== 'name') continue;
    const assign = tokens.findIndex((t) => t.kind === 'op' && t.text === '=');
    if (assign !== 1 && !(assign > 2 && tokens[1].text === ':')) continue;
    const value = evaluate(tokens.slice(assign + 1), constants);
    if (value !== undefined) constants.set(tokens[0].text, value);
    else constants.delete(tokens[0].text);
  }
  return constants;
}

/** Module-level `def f(a, b, stride=1): return nn.Conv2d(a, b, 3, stride)` (docstring allowed). */
function helperFunctions(lines: LogicalLine[]): Map<string, Helper> {
  const helpers = new Map<string, Helper>();
  lines.forEach((line, k) => {
    const [def, name, open] = line.tokens;
    if (line.indent !== 0 || def.text !== 'def' || name?.kind !== 'name' || open?.text !== '(') return;
    const body: LogicalLine[] = [];
    for (let j = k + 1; j < lines.length && lines[j].indent > 0; j++) body.push(lines[j]);
    const statements = body.filter((l) => !(l.tokens.length === 1 && l.tokens[0].kind === 'string'));
    const ret = statements[0]?.tokens;
    if (statements.length !== 1 || ret[0].text !== 'return') return;
    const call = callsOf(ret, () => undefined).find((p) => p.callee.first === ret[1] && isLayerType(p.type));
    if (!call || call.end !== ret[ret.length - 1]) return;
    const { params, defaults } = parameters(line.tokens);
    helpers.set(name.text, {
      type: call.type,
      callee: call.callee.text,
      params,
      defaults,
      args: call.args ?? [],
    });
  });
  return helpers;
}

/** Parameter names and default-value tokens of `def f(a, b: int, c=1, *, d=2):`. */
function parameters(tokens: Token[]): { params: string[]; defaults: Map<string, Token[]> } {
  const params: string[] = [];
  const defaults = new Map<string, Token[]>();
  for (const arg of parenthesisItems(tokens)) {
    if (arg[0]?.kind !== 'name') continue;
    params.push(arg[0].text);
    const eq = arg.findIndex((t) => t.text === '=');
    if (eq > 0) defaults.set(arg[0].text, arg.slice(eq + 1));
  }
  return { params, defaults };
}

/** The top-level comma-separated items inside the first parentheses of `tokens`. */
function parenthesisItems(tokens: Token[]): Token[][] {
  const start = tokens.findIndex((t) => t.text === '(');
  const items: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens.slice(start + 1)) {
    if (t.kind === 'op' && '([{'.includes(t.text)) depth++;
    if (t.kind === 'op' && ')]}'.includes(t.text)) {
      if (depth === 0) break;
      depth--;
    }
    if (depth === 0 && t.text === ',') items.push([]);
    else items[items.length - 1].push(t);
  }
  return items.filter((item) => item.length);
}

/** A helper call's literal arguments: the helper's own arguments, with its parameters bound at the call. */
function helperArguments(
  helper: Helper,
  callArgs: Token[][],
  constants: Bindings,
  framework: Framework,
): { args: LayerArgs; name?: string } {
  // The helper's parameters hide module constants of the same name; unknown ones stay unbound.
  const bindings = new Map(constants);
  const bind = (param: string, value: number | number[] | undefined) =>
    value === undefined ? bindings.delete(param) : bindings.set(param, value);
  for (const param of helper.params) bind(param, undefined);
  for (const [param, value] of helper.defaults) bind(param, evaluate(value, constants));
  let position = 0;
  for (const arg of callArgs) {
    const keyword = arg[0]?.kind === 'name' && arg[1]?.text === '=' ? arg[0].text : undefined;
    const param = keyword ?? helper.params[position++];
    if (param) bind(param, evaluate(keyword ? arg.slice(2) : arg, constants));
  }
  return layerArguments(helper.type, framework, helper.args, bindings);
}
