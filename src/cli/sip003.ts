/**
 * SIP003: running as a shadowsocks plugin. shadowsocks starts the plugin with SS_REMOTE_HOST,
 * SS_REMOTE_PORT, SS_LOCAL_HOST, SS_LOCAL_PORT and optionally SS_PLUGIN_OPTIONS (`k=v;k=v`, with
 * `\;`, `\=` and `\\` escapes). kcptun's own plugin code (upstream commits f6a92da and 2a5ee1f)
 * maps them this way:
 * - client: remoteaddr = SS_REMOTE_HOST:SS_REMOTE_PORT (the kcptun server), localaddr =
 *   SS_LOCAL_HOST:SS_LOCAL_PORT (where the shadowsocks client connects);
 * - server: listen = SS_REMOTE_HOST:SS_REMOTE_PORT, target = SS_LOCAL_HOST:SS_LOCAL_PORT (the
 *   shadowsocks server);
 * - a bare IPv6 host gets brackets; a port range such as `29900-29999` passes through;
 * - option keys are flag names (or their aliases); a bool key without `=` means true.
 * Differences from that code: a value that does not parse, an unknown key or an empty key is an
 * error here (kcptun ignored them), and the mode is only active when all four variables are non-empty.
 */
import { isIPv6 } from 'node:net';
import { CliError } from './errors.js';
import { convertFlagValue, type FlagValue, indexFlagSpecs } from './flags.js';
import type { OptionSpec } from './options.js';

export type Sip003Role = 'client' | 'server';

const SS_VARS = ['SS_REMOTE_HOST', 'SS_REMOTE_PORT', 'SS_LOCAL_HOST', 'SS_LOCAL_PORT'] as const;

/**
 * Why -udp is refused in plugin mode (docs/udp-forwarding.md). shadowsocks-libev hands a plugin its TCP
 * only: ss-server binds its UDP relay on the public server port itself (the port the plugin's KCP needs,
 * hence EADDRINUSE with -u), and ss-local sends UDP straight to that port, never to the plugin.
 */
export const SIP003_UDP_REFUSAL =
  'SS_PLUGIN_OPTIONS: udp cannot work in plugin mode: shadowsocks sends its UDP relay straight to the ' +
  'server port, never through the plugin. Run kcptun-ts beside shadowsocks instead (kcptun-server -udp ' +
  '-t <ss-server address>, ss-local -s <kcptun-client address> -u); see docs/udp-forwarding.md';

/** What to add to a failure to bind the server's port in plugin mode: the usual cause is ss-server -u. */
export const SIP003_BIND_HINT =
  'hint: in plugin mode ss-server -u binds this UDP port for its own UDP relay; run it without -u, ' +
  'or run kcptun-ts beside shadowsocks with -udp (docs/udp-forwarding.md)';

/** Whether the four SIP003 variables are set (the plugin mode of sip003Settings). */
export function isSip003(env: NodeJS.ProcessEnv): boolean {
  return SS_VARS.every((name) => !!env[name]);
}

/** One option set by the plugin environment, already converted to its flag's type. */
export interface Sip003Setting<C> {
  readonly option: OptionSpec<C>;
  readonly value: FlagValue;
}

/** `[key, value]` pairs of SS_PLUGIN_OPTIONS in order; a bare key (no `=`) has value undefined. */
export function parsePluginOptions(text: string): Array<[string, string | undefined]> {
  const pairs: Array<[string, string | undefined]> = [];
  let i = 0;
  // Reads up to (not including) an unescaped terminator, resolving backslash escapes.
  const readUntil = (terminators: string): string => {
    let out = '';
    while (i < text.length && !terminators.includes(text[i])) {
      if (text[i] === '\\') {
        i++;
        if (i >= text.length) {
          throw new CliError(
            `SS_PLUGIN_OPTIONS: nothing follows the final escape in ${JSON.stringify(text)}`,
          );
        }
      }
      out += text[i++];
    }
    return out;
  };
  while (i < text.length) {
    const start = i;
    const key = readUntil('=;');
    let value: string | undefined;
    if (text[i] === '=') {
      i++;
      value = readUntil(';');
    }
    if (key === '') {
      throw new CliError(`SS_PLUGIN_OPTIONS: empty key in ${JSON.stringify(text.slice(start, i))}`);
    }
    pairs.push([key, value]);
    i++; // the ';'
  }
  return pairs;
}

function hostPort(host: string, port: string): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The settings SIP003 plugin mode imposes, in the order to apply them (addresses first, then
 * SS_PLUGIN_OPTIONS), or an empty list when not running as a plugin. kcptun applies them after the
 * JSON config file and before -mode, so they override both the command line and `-c`.
 */
export function sip003Settings<C>(
  env: NodeJS.ProcessEnv,
  role: Sip003Role,
  options: readonly OptionSpec<C>[],
): Sip003Setting<C>[] {
  if (!isSip003(env)) return [];
  const byName = indexFlagSpecs(options);
  const [remoteFlag, localFlag] = role === 'client' ? ['remoteaddr', 'localaddr'] : ['listen', 'target'];
  const settings: Sip003Setting<C>[] = [];
  const add = (key: string, given: string | undefined): void => {
    const option = byName.get(key);
    if (option === undefined) throw new CliError(`SS_PLUGIN_OPTIONS: unknown option "${key}"`);
    if (given === undefined && option.type !== 'bool') {
      throw new CliError(`SS_PLUGIN_OPTIONS: option "${key}" needs a value`);
    }
    const raw = given ?? 'true';
    const converted = convertFlagValue(option, raw);
    if (!converted.ok) {
      throw new CliError(
        `SS_PLUGIN_OPTIONS: invalid value ${JSON.stringify(raw)} for option "${key}": ${converted.reason}`,
      );
    }
    settings.push({ option, value: converted.value });
  };
  add(remoteFlag, hostPort(env.SS_REMOTE_HOST!, env.SS_REMOTE_PORT!));
  add(localFlag, hostPort(env.SS_LOCAL_HOST!, env.SS_LOCAL_PORT!));
  for (const [key, value] of parsePluginOptions(env.SS_PLUGIN_OPTIONS ?? '')) add(key, value);
  return settings;
}
