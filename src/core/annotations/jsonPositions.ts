import { InputError } from '../errors';
/**
 * Where things are in a JSON text, for error messages that name the line.
 *
 * The fast path everywhere is `JSON.parse`; this small parser runs only after a file failed validation,
 * to find the line of the offending object (JSON.parse keeps no positions). It accepts exactly JSON.
 */

/** 1-based line of a UTF-16 offset; `\r\n`, `\n` and a lone `\r` each end a line. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) line++;
  }
  return line;
}

/**
 * The line of a `JSON.parse` syntax error: from V8's "… at position N" when the message has it (not all
 * messages do, e.g. "Unexpected token 'm', …"), otherwise from our own scan of the text.
 */
function syntaxErrorLine(text: string, error: unknown): number | undefined {
  const m = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (m) return lineAt(text, Number(m[1]));
  const offset = syntaxErrorOffset(text);
  return offset === undefined ? undefined : lineAt(text, offset);
}

/** Offset where the text stops being JSON, or undefined if it is valid. */
function syntaxErrorOffset(text: string): number | undefined {
  const scanner = new Locator(text);
  return scanner.firstError();
}

/** Each key or array index from the root down to a value, e.g. `['spans', 3, 'fragments']`. */
export type JsonPath = (string | number)[];

/**
 * Offset of the value at `path` (the deepest existing prefix of it, so a missing property points at the
 * object that lacks it), or undefined if the text is not JSON.
 */
function offsetOfPath(text: string, path: JsonPath): number | undefined {
  try {
    const p = new Locator(text);
    return p.find(path);
  } catch {
    return undefined;
  }
}

/** Line of the value at `path` (see offsetOfPath). */
function lineOfPath(text: string, path: JsonPath): number | undefined {
  const offset = offsetOfPath(text, path);
  return offset === undefined ? undefined : lineAt(text, offset);
}

/** A skipping scanner: walks to the value at a path without building the values it passes. */
class Locator {
  private i = 0;
  constructor(private readonly s: string) {}

  firstError(): number | undefined {
    try {
      this.ws();
      this.skipValue();
      this.ws();
      return this.i < this.s.length ? this.i : undefined;
    } catch {
      return Math.min(this.i, this.s.length);
    }
  }

  find(path: JsonPath): number {
    this.ws();
    let best = this.i;
    for (const step of path) {
      const c = this.s[this.i];
      if (typeof step === 'number' && c === '[') {
        if (!this.enterArrayItem(step)) return best;
      } else if (typeof step === 'string' && c === '{') {
        if (!this.enterMember(step)) return best;
      } else {
        return best;
      }
      best = this.i;
    }
    return best;
  }

  /** Positions at the index-th element of the array at the cursor; false (cursor unchanged) if absent. */
  private enterArrayItem(index: number): boolean {
    const start = this.i;
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') return this.reset(start);
    for (let k = 0; ; k++) {
      this.ws();
      if (k === index) return true;
      this.skipValue();
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else return this.reset(start);
    }
  }

  /** Positions at the value of the (last) member named `key` of the object at the cursor. */
  private enterMember(key: string): boolean {
    const start = this.i;
    this.i++;
    this.ws();
    let found = -1;
    if (this.s[this.i] !== '}') {
      for (;;) {
        this.ws();
        const name = this.readString();
        this.ws();
        this.expect(':');
        this.ws();
        if (name === key) found = this.i;
        this.skipValue();
        this.ws();
        if (this.s[this.i] === ',') this.i++;
        else break;
      }
    }
    if (found < 0) return this.reset(start);
    this.i = found;
    return true;
  }

  private reset(start: number): false {
    this.i = start;
    return false;
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\r\n'.includes(this.s[this.i])) this.i++;
  }

  private expect(c: string): void {
    if (this.s[this.i] !== c) throw new Error(`expected ${c}`);
    this.i++;
  }

  private readString(): string {
    const start = this.i;
    this.skipString();
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }

  private skipString(): void {
    this.expect('"');
    while (this.i < this.s.length) {
      const c = this.s[this.i++];
      if (c === '\\') this.i++;
      else if (c === '"') return;
    }
    throw new Error('unterminated string');
  }

  private skipValue(): void {
    const c = this.s[this.i];
    if (c === '"') return this.skipString();
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      this.i++;
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return;
      }
      for (;;) {
        this.ws();
        if (c === '{') {
          this.skipString();
          this.ws();
          this.expect(':');
          this.ws();
        }
        this.skipValue();
        this.ws();
        if (this.s[this.i] === ',') this.i++;
        else break;
      }
      this.expect(close);
      return;
    }
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.s.slice(this.i, this.i + 64));
    if (!m) throw new Error('bad value');
    this.i += m[0].length;
  }
}

/**
 * Parses a user-edited JSON file (labels.json, a sidecar). Returns the data and a `fail` that throws an
 * InputError naming the file and the line of a JSON path, so validators report where the problem is.
 */
export function parseJsonWithLines(raw: string, file: string): { data: unknown; fail: (where: JsonPath, problem: string) => never } {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (e) {
    throw new InputError(file, `not valid JSON: ${e instanceof Error ? e.message : String(e)}`, syntaxErrorLine(raw, e));
  }
  const fail = (where: JsonPath, problem: string): never => {
    throw new InputError(file, problem, lineOfPath(raw, where));
  };
  return { data, fail };
}
