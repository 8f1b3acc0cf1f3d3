/**
 * A strict RFC 8259 reader that keeps number literals as text. Go's encoding/json decides whether a
 * number fits an int field from its literal (`1.0` and `1e3` are refused, `-0` is accepted), and
 * JSON.parse loses that text, so kcptun's config semantics need their own reader.
 */

export type JsonValue =
  | { readonly kind: 'object'; readonly entries: ReadonlyArray<readonly [string, JsonValue]> }
  | { readonly kind: 'array'; readonly items: readonly JsonValue[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' };

/** Malformed JSON; the message says what was found and at which character offset. */
export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
}

/**
 * Go allows 10000 levels. This reader recurses, and V8's default stack gives out near 3000 levels,
 * so it stops at 1000: config files are flat, and only deeply nested unknown keys could differ.
 */
const MAX_NESTING_DEPTH = 1000;
const REPLACEMENT_CHAR = '\uFFFD';
const NUMBER_PATTERN = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

class Reader {
  pos = 0;

  constructor(private readonly text: string) {}

  fail(expected: string): never {
    if (this.pos >= this.text.length) throw new JsonSyntaxError(`unexpected end of JSON input (${expected})`);
    const found = JSON.stringify(this.text[this.pos]);
    throw new JsonSyntaxError(`invalid character ${found} at offset ${this.pos} (${expected})`);
  }

  skipWhitespace(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return;
      this.pos++;
    }
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  expect(ch: string, expected: string): void {
    if (this.text[this.pos] !== ch) this.fail(expected);
    this.pos++;
  }

  value(depth: number): JsonValue {
    if (depth > MAX_NESTING_DEPTH) throw new JsonSyntaxError('exceeded max nesting depth');
    this.skipWhitespace();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return { kind: 'string', value: this.string() };
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of [
      ['true', { kind: 'bool', value: true }],
      ['false', { kind: 'bool', value: false }],
      ['null', { kind: 'null' }],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.fail('looking for beginning of value');
  }

  object(depth: number): JsonValue {
    this.pos++;
    const entries: Array<readonly [string, JsonValue]> = [];
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', entries };
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('looking for beginning of object key string');
      const key = this.string();
      this.skipWhitespace();
      this.expect(':', 'after object key');
      entries.push([key, this.value(depth + 1)]);
      this.skipWhitespace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return { kind: 'object', entries };
      }
      this.expect(',', 'after object key:value pair');
    }
  }

  array(depth: number): JsonValue {
    this.pos++;
    const items: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.skipWhitespace();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return { kind: 'array', items };
      }
      this.expect(',', 'after array element');
    }
  }

  number(): JsonValue {
    NUMBER_PATTERN.lastIndex = this.pos;
    const match = NUMBER_PATTERN.exec(this.text);
    if (match === null) return this.fail('in numeric literal');
    this.pos += match[0].length;
    return { kind: 'number', text: match[0] };
  }

  hex4(): number {
    const digits = this.text.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail('in \\u hexadecimal character escape');
    this.pos += 4;
    return Number.parseInt(digits, 16);
  }

  /** A string literal; lone UTF-16 surrogates become U+FFFD as in Go. */
  string(): string {
    this.pos++;
    let out = '';
    for (;;) {
      if (this.atEnd()) this.fail('in string literal');
      const c = this.text[this.pos];
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c < ' ') this.fail('in string literal');
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      this.pos++;
      const e = this.text[this.pos];
      if (e in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[e];
        this.pos++;
      } else if (e === 'u') {
        this.pos++;
        out += this.unicodeEscape();
      } else {
        this.fail('in string escape code');
      }
    }
  }

  unicodeEscape(): string {
    const unit = this.hex4();
    if (isLowSurrogate(unit)) return REPLACEMENT_CHAR;
    if (!isHighSurrogate(unit)) return String.fromCharCode(unit);
    if (this.text.startsWith('\\u', this.pos)) {
      const save = this.pos;
      this.pos += 2;
      const low = this.hex4();
      if (isLowSurrogate(low)) return String.fromCharCode(unit, low);
      this.pos = save;
    }
    return REPLACEMENT_CHAR;
  }
}

/**
 * Reads the first JSON value of `text`, as Go's json.Decoder.Decode does: anything after that value
 * is not looked at. Returns undefined when the text holds only whitespace (Go reports EOF).
 * Lone surrogates in the text itself pass through; readFileSync('utf8') has already replaced
 * invalid UTF-8 with U+FFFD, as Go does.
 */
export function readFirstJsonValue(text: string): JsonValue | undefined {
  const reader = new Reader(text);
  reader.skipWhitespace();
  if (reader.atEnd()) return undefined;
  return reader.value(1);
}
