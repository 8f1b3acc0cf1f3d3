/**
 * Go `strconv` number and boolean syntax, as used by Go's `flag` package for kcptun's flags.
 * Int flags go through ParseInt(s, 0, 64): optional sign, then a base prefix (0x, 0o, 0b, or a bare
 * leading 0 for octal), digits, and underscores placed as the Go literal grammar allows.
 */

/** Why a string is not a valid Go integer, worded as Go's strconv errors are. */
export type IntSyntaxError = 'parse error' | 'value out of range';

/** A parsed integer, or the reason it was refused. */
export type GoIntResult = { ok: true; value: number } | { ok: false; reason: IntSyntaxError };

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

function digitValue(ch: string): number {
  const c = ch.toLowerCase();
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'a' && c <= 'z') return c.charCodeAt(0) - 87;
  return 99;
}

/**
 * Go's underscoreOK: an underscore must sit between two digits, or between a base prefix and a digit.
 * `s` is the whole literal including sign and prefix.
 */
function underscoresWellPlaced(literal: string): boolean {
  let s = literal;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  let saw: 'start' | 'digit' | 'underscore' | 'other' = 'start';
  let i = 0;
  let hex = false;
  const prefix = s.slice(0, 2).toLowerCase();
  if (prefix === '0x' || prefix === '0o' || prefix === '0b') {
    i = 2;
    saw = 'digit';
    hex = prefix === '0x';
  }
  for (; i < s.length; i++) {
    const c = s[i].toLowerCase();
    if ((c >= '0' && c <= '9') || (hex && c >= 'a' && c <= 'f')) {
      saw = 'digit';
    } else if (c === '_') {
      if (saw !== 'digit') return false;
      saw = 'underscore';
    } else {
      if (saw === 'underscore') return false;
      saw = 'other';
    }
  }
  return saw !== 'underscore';
}

/**
 * strconv.ParseInt(s, 0, 64). Results outside the JavaScript safe-integer range are refused as
 * "value out of range" too: every kcptun int field fits easily, and a silently rounded number would
 * be worse than an error.
 */
export function parseGoInt(literal: string): GoIntResult {
  let s = literal;
  let negative = false;
  if (s[0] === '+' || s[0] === '-') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '') return { ok: false, reason: 'parse error' };

  let base = 10n;
  if (s[0] === '0') {
    const p = s.length >= 3 ? s[1].toLowerCase() : '';
    if (p === 'x' || p === 'o' || p === 'b') {
      base = p === 'x' ? 16n : p === 'o' ? 8n : 2n;
      s = s.slice(2);
    } else {
      base = 8n;
      s = s.slice(1);
    }
  }

  let magnitude = 0n;
  let sawUnderscore = false;
  for (const ch of s) {
    if (ch === '_') {
      sawUnderscore = true;
      continue;
    }
    const d = BigInt(digitValue(ch));
    if (d >= base) return { ok: false, reason: 'parse error' };
    magnitude = magnitude * base + d;
    // Go reports overflow as soon as it happens, before looking at the remaining characters.
    if (magnitude > UINT64_MAX) return { ok: false, reason: 'value out of range' };
  }
  if (sawUnderscore && !underscoresWellPlaced(literal)) return { ok: false, reason: 'parse error' };

  const value = negative ? -magnitude : magnitude;
  if (value > INT64_MAX || value < INT64_MIN) return { ok: false, reason: 'value out of range' };
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    return { ok: false, reason: 'value out of range' };
  }
  return { ok: true, value: Number(value) };
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** strconv.ParseBool: the exact twelve spellings Go accepts, otherwise undefined. */
export function parseGoBool(s: string): boolean | undefined {
  if (GO_TRUE.has(s)) return true;
  if (GO_FALSE.has(s)) return false;
  return undefined;
}
