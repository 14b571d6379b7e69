// The calls on one logical line of Python and where each puts what it constructs: the statement's
// target (`self.fc1 = …`) and what each enclosing bracket adds (Sequential indices, dict keys, …).
import { CONTAINERS, isLayerType } from './layerTypes';
import type { Token } from './tokens';

/** Python keywords after which `(` opens a parenthesis, not a call. */
const KEYWORDS = new Set(
  'and as assert await del elif else for from if in is lambda not or return while with yield'.split(' '),
);

interface Frame {
  open: string;
  callee?: Callee;
  /** Finished arguments (or list items) and the one being read, as tokens. */
  args: Token[][];
  current: Token[];
  comprehension: boolean;
  pending?: Pending;
}

export interface Callee {
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

export interface Pending {
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
export interface Target {
  path: string[];
  token?: Token;
}

interface Label {
  text: string;
  token?: Token;
}

/** The calls of one logical line that construct a layer or a class (CamelCase), with their context. */
export function callsOf(tokens: Token[], helperType: (callee: string) => string | undefined): Pending[] {
  const done: Pending[] = [];
  const frames: Frame[] = [];
  const addToOpen = (t: Token) => frames.forEach((f) => f.current.push(t));
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'op' && '([{'.includes(t.text)) {
      addToOpen(t);
      const callee = t.text === '(' ? calleeBefore(tokens, i) : undefined;
      const frame: Frame = { open: t.text, callee, args: [], current: [], comprehension: false };
      const type = callee && (helperType(callee.text) ?? lastComponent(callee.text));
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
export function statementTarget(tokens: Token[], indent: number): Target {
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
export function pathOf(target: Target, context: Snapshot[]): { path: string[]; token?: Token } {
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
