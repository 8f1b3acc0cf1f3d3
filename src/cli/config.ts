/**
 * `-c file.json`, decoded the way Go's encoding/json decodes into kcptun's Config struct, and the
 * -mode presets that kcptun applies afterwards.
 */
import { readFileSync } from 'node:fs';
import { AUTO_CONN } from '../tunnel/stream-placement.js';
import { CliError } from './errors.js';
import { parseGoInt } from './go-strconv.js';
import { JsonSyntaxError, type JsonValue, readFirstJsonValue } from './json.js';
import {
  AUTO_MODE,
  AUTO_SMUX_BUF,
  autoTuningOf,
  type ClientConfig,
  type CommonConfig,
  modePreset,
  type OptionSpec,
  setOption,
} from './options.js';

/**
 * Go matches struct keys with Unicode simple case folding. For kcptun's ASCII keys that is ASCII
 * case-insensitivity plus the two non-ASCII runes that fold onto ASCII letters: U+017F (long s)
 * and U+212A (Kelvin sign).
 */
function foldKey(key: string): string {
  let out = '';
  for (const ch of key) {
    if (ch === '\u017f') out += 's';
    else if (ch === '\u212a') out += 'k';
    else if (ch >= 'A' && ch <= 'Z') out += ch.toLowerCase();
    else out += ch;
  }
  return out;
}

/** The JSON value as the option's type, or an explanation in encoding/json's words. */
function convertJsonValue<C>(
  option: OptionSpec<C>,
  value: JsonValue,
): { ok: true; value: string | number | boolean } | { ok: false; what: string } {
  if (option.type === 'string' && value.kind === 'string') return { ok: true, value: value.value };
  if (option.type === 'bool' && value.kind === 'bool') return { ok: true, value: value.value };
  if (option.type === 'int' && value.kind === 'number') {
    // Go accepts only integer literals here: 1.0 and 1e3 are refused, like 1.5.
    const parsed = /^-?[0-9]+$/.test(value.text) ? parseGoInt(value.text) : undefined;
    if (parsed?.ok) return { ok: true, value: parsed.value };
    return { ok: false, what: `number ${value.text}` };
  }
  return { ok: false, what: value.kind };
}

/**
 * Applies a config file's text to `config`: only keys present override, keys match
 * case-insensitively (an exact match needs no special casing since no two kcptun keys fold alike),
 * unknown keys and null values are ignored, and a value of the wrong JSON type is an error naming
 * the key. `source` names the file in messages. Returns the fields the file set.
 */
export function applyJsonConfig<C>(
  config: C,
  options: readonly OptionSpec<C>[],
  text: string,
  source: string,
): (keyof C & string)[] {
  let root: JsonValue | undefined;
  try {
    root = readFirstJsonValue(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError)
      throw new CliError(`config file ${source}: invalid JSON: ${err.message}`);
    throw err;
  }
  if (root === undefined) throw new CliError(`config file ${source}: invalid JSON: file is empty (EOF)`);
  const set: (keyof C & string)[] = [];
  if (root.kind === 'null') return set;
  if (root.kind !== 'object')
    throw new CliError(`config file ${source}: expected a JSON object, found ${root.kind}`);

  const byKey = new Map<string, OptionSpec<C>>();
  for (const option of options) {
    if (option.jsonKey !== null) byKey.set(foldKey(option.jsonKey), option);
  }
  for (const [key, value] of root.entries) {
    const option = byKey.get(foldKey(key));
    if (option === undefined || value.kind === 'null') continue;
    const converted = convertJsonValue(option, value);
    if (!converted.ok) {
      throw new CliError(
        `config file ${source}: key "${option.jsonKey}": cannot use ${converted.what} as ${option.type}`,
      );
    }
    setOption(config, option, converted.value);
    set.push(option.field);
  }
  return set;
}

/** Reads `path` and applies it with applyJsonConfig; an unreadable file is an error naming it. */
export function loadJsonConfigFile<C>(
  config: C,
  options: readonly OptionSpec<C>[],
  path: string,
): (keyof C & string)[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new CliError(`config file ${path}: cannot read: ${reason}`);
  }
  return applyJsonConfig(config, options, text, path);
}

/**
 * kcptun's -mode switch: a known profile overwrites nodelay/interval/resend/nc; others keep them.
 * `-mode auto` (ours) sets fast3's timers but keeps each of those four the user set (`explicit`), and
 * decides which of its self-tuning parts run: the controller unless -nc was given, automatic windows
 * unless -sndwnd or -rcvwnd was (and with them larger smux buffers unless -smuxbuf or -streambuf was),
 * adaptive parity unless -datashard or -parityshard was.
 */
export function applyModePreset(config: CommonConfig, explicit: ReadonlySet<string>): void {
  const preset = modePreset(config.mode);
  config.auto = null;
  if (preset === undefined) return;
  const auto = config.mode === AUTO_MODE;
  const keep = (field: keyof CommonConfig): boolean => auto && explicit.has(field);
  if (!keep('noDelay')) config.noDelay = preset.noDelay;
  if (!keep('interval')) config.interval = preset.interval;
  if (!keep('resend')) config.resend = preset.resend;
  if (!keep('nc')) config.nc = preset.nc;
  if (auto) {
    const { tuning, smuxBuffers } = autoTuningOf((field) => explicit.has(field));
    config.auto = tuning;
    if (smuxBuffers) {
      config.smuxBuf = Math.max(config.smuxBuf, AUTO_SMUX_BUF);
      config.streamBuf = Math.max(config.streamBuf, AUTO_SMUX_BUF);
    }
  }
}

/** applyModePreset, then on the client -mode auto's number of sessions (AUTO_CONN) unless -conn was given. */
export function applyClientModePreset(config: ClientConfig, explicit: ReadonlySet<string>): void {
  applyModePreset(config, explicit);
  if (config.auto !== null && !explicit.has('conn')) config.conn = AUTO_CONN;
}
