/**
 * Command-line parsing with the rules of Go's `flag` package as driven by urfave/cli v1, which is
 * what kcptun uses:
 * - `-name value`, `--name value`, `-name=value`, `--name=value` are all the same;
 * - a bool flag is `-name` or `-name=<strconv.ParseBool spelling>` and never takes the next argument;
 * - an int flag follows strconv.ParseInt(s, 0, 64) (see go-strconv.ts);
 * - repeating the same spelling: the last one wins; using two spellings of one flag (`-l` and
 *   `-localaddr`) is refused, as urfave/cli's normalizeFlags refuses it;
 * - `--` ends the flags, and so does the first argument that is not a flag (`-` counts as one).
 * Names are case-sensitive (`-QPP`, `-QPPCount`). Error messages keep Go's wording.
 */
import { CliError } from './errors.js';
import { parseGoBool, parseGoInt } from './go-strconv.js';

export type FlagType = 'string' | 'int' | 'bool';
export type FlagValue = string | number | boolean;

/** What the parser needs to know about one flag. */
export interface FlagSpec {
  /** Canonical name, without dashes: `localaddr`, `QPPCount`, `c`. */
  readonly name: string;
  /** Other accepted names: `l`, `ds`. */
  readonly aliases: readonly string[];
  readonly type: FlagType;
}

/** urfave/cli v1 adds these two to every app. */
export const HELP_FLAG: FlagSpec = { name: 'help', aliases: ['h'], type: 'bool' };
export const VERSION_FLAG: FlagSpec = { name: 'version', aliases: ['v'], type: 'bool' };

export interface ParsedFlags {
  /** Canonical flag name → value, only for flags present on the command line. */
  readonly values: ReadonlyMap<string, FlagValue>;
  readonly help: boolean;
  readonly version: boolean;
  /** Arguments left after the flags (after `--` or the first non-flag argument). */
  readonly positional: readonly string[];
}

/** Converts a raw string to a flag's type; the message of a failure is Go's reason text. */
export function convertFlagValue(
  spec: FlagSpec,
  raw: string,
): { ok: true; value: FlagValue } | { ok: false; reason: string } {
  if (spec.type === 'string') return { ok: true, value: raw };
  if (spec.type === 'bool') {
    const b = parseGoBool(raw);
    return b === undefined ? { ok: false, reason: 'parse error' } : { ok: true, value: b };
  }
  const n = parseGoInt(raw);
  return n.ok ? { ok: true, value: n.value } : { ok: false, reason: n.reason };
}

/** Name (canonical or alias) → spec. Throws if two specs claim one name: a table bug. */
export function indexFlagSpecs<S extends FlagSpec>(specs: readonly S[]): ReadonlyMap<string, S> {
  const byName = new Map<string, S>();
  for (const spec of specs) {
    for (const name of [spec.name, ...spec.aliases]) {
      if (byName.has(name)) throw new Error(`flag table lists "${name}" twice`);
      byName.set(name, spec);
    }
  }
  return byName;
}

/** Parses argv (without the node and script paths) against `specs` plus -help/-h and -version/-v. */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byName = indexFlagSpecs([...specs, HELP_FLAG, VERSION_FLAG]);
  const values = new Map<string, FlagValue>();
  const spellingUsed = new Map<string, string>();
  let i = 0;

  while (i < argv.length) {
    const arg = argv[i];
    if (arg.length < 2 || arg[0] !== '-') break;
    if (arg === '--') {
      i++;
      break;
    }
    const body = arg.slice(arg[1] === '-' ? 2 : 1);
    if (body === '' || body[0] === '-' || body[0] === '=') throw new CliError(`bad flag syntax: ${arg}`);
    i++;

    // The name ends at the first '=' after its first character.
    const eq = body.indexOf('=', 1);
    const name = eq < 0 ? body : body.slice(0, eq);
    let raw = eq < 0 ? undefined : body.slice(eq + 1);

    const spec = byName.get(name);
    if (spec === undefined) throw new CliError(`flag provided but not defined: -${name}`);

    if (spec.type === 'bool') {
      raw ??= 'true';
      const converted = convertFlagValue(spec, raw);
      if (!converted.ok)
        throw new CliError(`invalid boolean value ${JSON.stringify(raw)} for -${name}: parse error`);
      values.set(spec.name, converted.value);
    } else {
      if (raw === undefined) {
        if (i >= argv.length) throw new CliError(`flag needs an argument: -${name}`);
        raw = argv[i++];
      }
      const converted = convertFlagValue(spec, raw);
      if (!converted.ok) {
        throw new CliError(`invalid value ${JSON.stringify(raw)} for flag -${name}: ${converted.reason}`);
      }
      values.set(spec.name, converted.value);
    }

    const earlier = spellingUsed.get(spec.name);
    if (earlier !== undefined && earlier !== name) {
      throw new CliError(`cannot use two forms of the same flag: -${earlier} and -${name}`);
    }
    spellingUsed.set(spec.name, name);
  }

  const help = values.get(HELP_FLAG.name) === true;
  const version = values.get(VERSION_FLAG.name) === true;
  values.delete(HELP_FLAG.name);
  values.delete(VERSION_FLAG.name);
  return { values, help, version, positional: argv.slice(i) };
}
