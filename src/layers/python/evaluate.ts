import type { Token } from './tokens';

/** Names with known integer values: module-level constants, or a helper function's parameters. */
export type Bindings = ReadonlyMap<string, number | number[]>;

/**
 * The value of a literal argument: an integer expression of numbers and known names with + - * // and
 * parentheses (`4 * D_MODEL`), or a tuple/list of them (`(3, 3)`). Anything else is undefined.
 */
export function evaluate(tokens: readonly Token[], bindings: Bindings): number | number[] | undefined {
  const items = tupleItems(tokens);
  if (items) {
    const values = items.map((item) => integer(item, bindings));
    return values.every((v): v is number => v !== undefined) ? values : undefined;
  }
  if (tokens.length === 1 && tokens[0].kind === 'name') return bindings.get(tokens[0].text);
  return integer(tokens, bindings);
}

/** The items of `(a, b)`, `(a,)` or `[a, b]`; undefined if the tokens are not one such literal. */
function tupleItems(tokens: readonly Token[]): Token[][] | undefined {
  const open = tokens[0]?.text;
  const close = open === '(' ? ')' : open === '[' ? ']' : undefined;
  if (!close || tokens[tokens.length - 1].text !== close) return undefined;
  const items: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens.slice(1, -1)) {
    if (t.kind === 'op' && '([{'.includes(t.text)) depth++;
    if (t.kind === 'op' && ')]}'.includes(t.text)) depth--;
    if (depth < 0) return undefined; // `(a) + (b)`: the first bracket closes early
    if (depth === 0 && t.text === ',') items.push([]);
    else items[items.length - 1].push(t);
  }
  if (items[items.length - 1].length === 0) items.pop(); // trailing comma
  const isTuple = open === '[' || items.length > 1 || tokens[tokens.length - 2].text === ',';
  return isTuple && items.length > 0 && items.every((item) => item.length > 0) ? items : undefined;
}

/** Recursive descent over + - * // and unary minus; undefined unless every token is used. */
function integer(tokens: readonly Token[], bindings: Bindings): number | undefined {
  let i = 0;
  const next = () => tokens[i]?.text;

  const atom = (): number | undefined => {
    const t = tokens[i];
    if (!t) return undefined;
    i++;
    if (t.kind === 'number') return /^\d[\d_]*$/.test(t.text) ? Number(t.text.replace(/_/g, '')) : undefined;
    if (t.kind === 'name') {
      const v = bindings.get(t.text);
      return typeof v === 'number' ? v : undefined;
    }
    if (t.text === '(') {
      const v = sum();
      if (next() !== ')') return undefined;
      i++;
      return v;
    }
    return undefined;
  };
  const unary = (): number | undefined => {
    if (next() === '-' || next() === '+') {
      const sign = tokens[i++].text === '-' ? -1 : 1;
      const v = unary();
      return v === undefined ? undefined : sign * v;
    }
    return atom();
  };
  const product = (): number | undefined => {
    let v = unary();
    while (v !== undefined && (next() === '*' || next() === '//')) {
      const op = tokens[i++].text;
      const w = unary();
      if (w === undefined || (op === '//' && w === 0)) return undefined;
      v = op === '*' ? v * w : Math.floor(v / w);
    }
    return v;
  };
  const sum = (): number | undefined => {
    let v = product();
    while (v !== undefined && (next() === '+' || next() === '-')) {
      const op = tokens[i++].text;
      const w = product();
      if (w === undefined) return undefined;
      v = op === '+' ? v + w : v - w;
    }
    return v;
  };

  const value = sum();
  return i === tokens.length && value !== undefined && Number.isSafeInteger(value) ? value : undefined;
}
