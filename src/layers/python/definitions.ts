// Finds where a Python model file constructs its layers, and under which state-dict path each one
// ends up: `self.fc1 = nn.Linear(…)` → fc1, `self.net = nn.Sequential(nn.Linear(…), …)` → net.0,
// `self.h = nn.ModuleList([Block(c) for _ in …])` → h.* (any index), `dict(wte=nn.Embedding(…))` → wte,
// `layers.Dense(64, name='fc1')` → Keras name fc1. Nothing is executed; a file that does not parse
// simply yields fewer definitions.
import { evaluate, type Bindings } from './evaluate';
import {
  CONTAINERS,
  frameworkOf,
  isLayerType,
  parametersOf,
  PARAMETER_ALIASES,
  type Framework,
  type LayerArgs,
} from './layerTypes';
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

/** Python keywords after which `(` opens a parenthesis, not a call. */
const KEYWORDS = new Set(
  'and as assert await del elif else for from if in is lambda not or return while with yield'.split(' '),
);

/** A function whose body is `return <layer>(…)` (torchvision's conv3x3), used like a constructor. */
interface Helper {
  type: string;
  callee: string;
  params: string[];
  defaults: Map<string, Token[]>;
  args: Token[][];
}

interface Frame {
  open: string;
  callee?: Callee;
  /** Finished arguments (or list items) and the one being read, as tokens. */
  args: Token[][];
  current: Token[];
  comprehension: boolean;
  pending?: Pending;
}

interface Callee {
  text: string;
  first: Token;
  last: Token;
}

/** A frame as it was when a call inside it began. */
interface Snapshot {
  frame: Frame;
  argIndex: number;
  head: Token[];
}

interface Pending {
  callee: Callee;
  type: string;
  context: Snapshot[];
  /** Set when the call's parenthesis closes. */
  args?: Token[][];
  end?: Token;
  /** The constructed object is called at once: Keras functional `Dense(64)(x)`, whose result is not the layer. */
  applied?: boolean;
}

/** Where a statement puts what it constructs. */
interface Target {
  path: string[];
  token?: Token;
}

interface Label {
  text: string;
  token?: Token;
}

/** Every layer definition of a Python source. */
export function findLayerDefinitions(source: string, file?: string): LayerDefinition[] {
  return scanPython(source, file).layers;
}

/** Layer definitions and submodule assignments of a Python source. */
export function scanPython(source: string, file?: string): PythonModel {
  const lines = tokenize(source);
  const constants = moduleConstants(lines);
  const helpers = helperFunctions(lines);
  const importsTorch = /^\s*(import\s+torch|from\s+torch[\s.])/m.test(source);
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
    for (const pending of callsOf(line.tokens, helpers)) {
      const { path, token } = pathOf(pending.applied ? { path: [] } : target, pending.context);
      const helper = helpers.get(pending.callee.text);
      if (isLayerType(pending.type)) {
        const framework = frameworkOf(pending.type, helper?.callee ?? pending.callee.text, importsTorch);
        const { args, name } = helper
          ? helperArguments(helper, pending.args ?? [], constants, framework)
          : layerArguments(pending.type, framework, pending.args ?? [], constants);
        const { first: start, last: end } = pending.callee;
        const labelled = token && token.line === start.line && token.column <= start.column;
        const attribute = [...path].reverse().find((c) => !/^(\d+|\*)$/.test(c));
        model.layers.push({
          line: start.line,
          startColumn: labelled ? token.column : start.column,
          endColumn: end.line === start.line ? end.endColumn : start.endColumn,
          path,
          ...(attribute !== undefined && { attribute }),
          ...(name !== undefined && { name }),
          ...(className !== undefined && { className }),
          callee: pending.callee.text,
          type: pending.type,
          framework,
          args,
          ...(file !== undefined && { file }),
        });
      } else if (path.length) {
        model.submodules.push({
          ...(className !== undefined && { className }),
          path,
          type: pending.type,
          line: pending.callee.first.line,
          ...(file !== undefined && { file }),
        });
      }
    }
  }
  return model;
}

/** The calls of one logical line that construct a layer or a class (CamelCase), with their context. */
function callsOf(tokens: Token[], helpers: Map<string, Helper>): Pending[] {
  const done: Pending[] = [];
  const frames: Frame[] = [];
  const addToOpen = (t: Token) => frames.forEach((f) => f.current.push(t));
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'op' && '([{'.includes(t.text)) {
      addToOpen(t);
      const callee = t.text === '(' ? calleeBefore(tokens, i) : undefined;
      const frame: Frame = { open: t.text, callee, args: [], current: [], comprehension: false };
      const type = callee && (helpers.get(callee.text)?.type ?? lastComponent(callee.text));
      if (callee && type && (isLayerType(type) || (/^[A-Z]/.test(type) && !CONTAINERS.has(type)))) {
        const context = frames.map((f) => ({
          frame: f,
          argIndex: f.args.length,
          head: f.current.slice(0, 2),
        }));
        frame.pending = { callee, type, context };
      }
      frames.push(frame);
    } else if (t.kind === 'op' && ')]}'.includes(t.text)) {
      const frame = frames.pop();
      if (!frame) continue;
      if (frame.current.length) frame.args.push(frame.current);
      addToOpen(t);
      if (frame.pending)
        done.push({ ...frame.pending, args: frame.args, end: t, applied: tokens[i + 1]?.text === '(' });
    } else {
      const top = frames[frames.length - 1];
      if (top && t.text === ',') {
        top.args.push(top.current);
        top.current = [];
        frames.slice(0, -1).forEach((f) => f.current.push(t));
        continue;
      }
      if (top && t.kind === 'name' && t.text === 'for') top.comprehension = true;
      addToOpen(t);
    }
  }
  return done;
}

/** `a.b.c` just before the `(` at `open`, unless a keyword (`if (`, `in (`) precedes it. */
function calleeBefore(tokens: Token[], open: number): Callee | undefined {
  let j = open - 1;
  if (tokens[j]?.kind !== 'name' || KEYWORDS.has(tokens[j].text)) return undefined;
  if (tokens[j - 1]?.text === 'def' || tokens[j - 1]?.text === 'class') return undefined;
  while (tokens[j - 1]?.text === '.' && tokens[j - 2]?.kind === 'name') j -= 2;
  const text = tokens
    .slice(j, open)
    .map((t) => t.text)
    .join('');
  return { text, first: tokens[j], last: tokens[open - 1] };
}

function lastComponent(dotted: string): string {
  return dotted.slice(dotted.lastIndexOf('.') + 1);
}

/**
 * `self.x = …`, `self.x: T = …`, `self.x.append(…)`, `self.add_module('x', …)`, `setattr(self, 'x', …)`;
 * a local `x = …` in a function usually becomes `self.x` later (torchvision's `downsample`), a module-level
 * one is usually the model itself (`model = nn.Sequential(…)`: its children are `0`, `1`, …).
 */
function statementTarget(tokens: Token[], indent: number): Target {
  const text = (i: number) => tokens[i]?.text;
  const isSelfDot = text(0) === 'self' && text(1) === '.' && tokens[2]?.kind === 'name';
  if (isSelfDot && text(3) === '.' && text(4) === 'append' && text(5) === '(')
    return { path: [tokens[2].text, '*'], token: tokens[0] };
  if (
    isSelfDot &&
    /^(add_module|register_module)$/.test(text(2)!) &&
    text(3) === '(' &&
    tokens[4]?.kind === 'string'
  )
    return { path: [tokens[4].text], token: tokens[4] };
  if (
    text(0) === 'setattr' &&
    text(1) === '(' &&
    text(2) === 'self' &&
    text(3) === ',' &&
    tokens[4]?.kind === 'string'
  )
    return { path: [tokens[4].text], token: tokens[4] };
  const assign = tokens.findIndex((t) => t.kind === 'op' && t.text === '=');
  const annotation = tokens.findIndex((t) => t.kind === 'op' && t.text === ':');
  const end = annotation >= 0 && annotation < assign ? annotation : assign;
  if (isSelfDot && end === 3) return { path: [tokens[2].text], token: tokens[0] };
  if (tokens[0].kind === 'name' && end === 1 && indent > 0)
    return { path: [tokens[0].text], token: tokens[0] };
  return { path: [] };
}

/** The module path of a call: the statement's target, then what each enclosing bracket adds. */
function pathOf(target: Target, context: Snapshot[]): { path: string[]; token?: Token } {
  const path = [...target.path];
  let token = target.token;
  context.forEach((s, k) => {
    const label = bracketLabel(s, context[k - 1], context[k + 1]);
    if (label) {
      path.push(label.text);
      token = label.token;
    }
  });
  return { path, token };
}

/**
 * What a bracket adds to the path of the call being read inside it: Sequential's argument index,
 * a ModuleList's list index ('*' in a comprehension), a `dict(name=…)` keyword or `{'name': …}` key,
 * an OrderedDict's `('name', …)` pair. Other calls (wrappers such as weight_norm) add nothing.
 */
function bracketLabel(s: Snapshot, outer?: Snapshot, inner?: Snapshot): Label | undefined {
  const [h0, h1] = s.head;
  const keyword = h0?.kind === 'name' && h1?.text === '=' ? h0 : undefined;
  const starred = h0?.text === '*';
  const callee = s.frame.callee && lastComponent(s.frame.callee.text);
  if (s.frame.open === '(' && callee) {
    if (callee === 'dict' && keyword) return { text: keyword.text, token: keyword };
    const isList = callee === 'ModuleList' || callee === 'ParameterList';
    if (isList && s.frame.comprehension) return { text: '*' }; // ModuleList(Block() for _ in …)
    const intoOrderedDict = inner?.frame.callee && lastComponent(inner.frame.callee.text) === 'OrderedDict';
    if (callee === 'Sequential' && !keyword && !starred && !intoOrderedDict)
      return { text: String(s.argIndex) };
    return undefined;
  }
  if (s.frame.open === '(') {
    const name = s.frame.args[0];
    return s.argIndex === 1 && name?.length === 1 && name[0].kind === 'string'
      ? { text: name[0].text, token: name[0] }
      : undefined;
  }
  if (s.frame.open === '[') {
    const holder = outer?.frame.callee && lastComponent(outer.frame.callee.text);
    const [o0] = outer?.head ?? [];
    const indexed =
      holder === 'ModuleList' || holder === 'ParameterList' || (holder === 'Sequential' && o0?.text === '*');
    if (!indexed) return undefined;
    return { text: s.frame.comprehension ? '*' : String(s.argIndex) };
  }
  return h0?.kind === 'string' && h1?.text === ':' ? { text: h0.text, token: h0 } : undefined;
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
    const call = callsOf(ret, new Map()).find((p) => p.callee.first === ret[1] && isLayerType(p.type));
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
