// A small Python tokenizer: enough to find layer constructors in model files. It knows strings
// (every prefix, triple quotes, escapes), comments, brackets and line continuations, and groups the
// tokens into logical lines (a call spanning several physical lines is one logical line).

export type TokenKind = 'name' | 'number' | 'string' | 'op';

export interface Token {
  kind: TokenKind;
  /** The source text; for strings, the text between the quotes (escapes left as written). */
  text: string;
  /** 0-based line and column of the token's first character, and the column after it on that line. */
  line: number;
  column: number;
  endColumn: number;
}

export interface LogicalLine {
  /** Column of the first token: the indentation. */
  indent: number;
  tokens: Token[];
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER =
  /(?:0[xXoObB][0-9a-fA-F_]+|\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?|\.\d[\d_]*(?:[eE][+-]?\d+)?)[jJ]?/y;
const STRING_PREFIX = /(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])?(?:'''|"""|'|")/y;
const OPERATOR = /\*\*=?|\/\/=?|>>=?|<<=?|->|:=|[-+*/%@&|^=!<>]=|[-+*/%@&|^~<>=.,:;()[\]{}]/y;

/** Splits Python source into logical lines of tokens. Never throws: unknown characters are skipped. */
export function tokenize(source: string): LogicalLine[] {
  const lines: LogicalLine[] = [];
  let current: Token[] = [];
  let depth = 0;
  let line = 0;
  let lineStart = 0;
  let i = 0;
  const endLine = () => {
    if (current.length) lines.push({ indent: current[0].column, tokens: current });
    current = [];
  };
  const push = (kind: TokenKind, text: string, start: number, end: number) =>
    current.push({ kind, text, line, column: start - lineStart, endColumn: end - lineStart });

  while (i < source.length) {
    const c = source[i];
    if (c === '\n') {
      if (depth === 0) endLine();
      i++;
      line++;
      lineStart = i;
    } else if (c === '\\' && (source[i + 1] === '\n' || source.startsWith('\r\n', i + 1))) {
      i += source[i + 1] === '\n' ? 2 : 3;
      line++;
      lineStart = i;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (match(STRING_PREFIX, source, i)) {
      const opening = match(STRING_PREFIX, source, i)!;
      const quote = opening.replace(/^[^'"]+/, '');
      const start = i;
      const startLine = line;
      const startColumn = i - lineStart;
      let j = i + opening.length;
      while (j < source.length && !source.startsWith(quote, j)) {
        if (source[j] === '\\') j++;
        else if (source[j] === '\n') {
          if (quote.length === 1) break; // unterminated: stop at the end of the line
          line++;
          lineStart = j + 1;
        }
        j++;
      }
      const text = source.slice(start + opening.length, Math.min(j, source.length));
      const end = Math.min(j + quote.length, source.length);
      current.push({
        kind: 'string',
        text,
        line: startLine,
        column: startColumn,
        endColumn: startLine === line ? end - lineStart : startColumn + opening.length,
      });
      i = source[j] === '\n' ? j : end;
    } else if (match(NAME, source, i)) {
      const text = match(NAME, source, i)!;
      push('name', text, i, i + text.length);
      i += text.length;
    } else if (match(NUMBER, source, i)) {
      const text = match(NUMBER, source, i)!;
      push('number', text, i, i + text.length);
      i += text.length;
    } else if (match(OPERATOR, source, i)) {
      const text = match(OPERATOR, source, i)!;
      if ('([{'.includes(text)) depth++;
      else if (')]}'.includes(text)) depth = Math.max(0, depth - 1);
      push('op', text, i, i + text.length);
      i += text.length;
    } else {
      i++;
    }
  }
  endLine();
  return lines;
}

function match(pattern: RegExp, source: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(source)?.[0];
}
