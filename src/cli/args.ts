/**
 * The entry points the mains call. Order of precedence, as in kcptun (lowest first):
 * defaults (KCPTUN_KEY replacing the key default) < command line < `-c` JSON file < SIP003
 * plugin environment < -mode preset (which overwrites nodelay/interval/resend/nc unless the mode is
 * manual or unknown). Validation runs last. A `c` option in SS_PLUGIN_OPTIONS chooses the JSON file.
 */
import { applyClientModePreset, applyModePreset, loadJsonConfigFile } from './config.js';
import { CliError } from './errors.js';
import { parseFlags } from './flags.js';
import { renderHelp, renderVersion } from './help.js';
import {
  CLIENT_OPTIONS,
  type ClientConfig,
  type CommonConfig,
  defaultConfig,
  type OptionSpec,
  SERVER_OPTIONS,
  type ServerConfig,
  setOption,
} from './options.js';
import { SIP003_UDP_REFUSAL, type Sip003Role, sip003Settings } from './sip003.js';
import { validateClientConfig, validateServerConfig } from './validate.js';
import { packageVersion } from './version.js';

export type ParseResult<C> =
  | {
      readonly kind: 'run';
      readonly config: C;
      /** kcptun's non-fatal warnings (QPP strength, clamped mtu, negative ratelimit, ...) to log. */
      readonly warnings: readonly string[];
    }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version'; readonly text: string };

/** urfave/cli's built-in command: `kcptun-client help` (or `h`) shows the help. */
const HELP_COMMANDS = new Set(['help', 'h']);

interface AppDescription<C> {
  readonly programName: string;
  readonly usage: string;
  readonly role: Sip003Role;
  readonly options: readonly OptionSpec<C>[];
  /** The -mode preset, given the fields the user set. */
  readonly applyMode: (config: C, explicit: ReadonlySet<string>) => void;
  readonly validate: (config: C) => string[];
}

function parseArgs<C extends CommonConfig>(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  app: AppDescription<C>,
): ParseResult<C> {
  const parsed = parseFlags(argv, app.options);
  const wantsHelp = parsed.help || (!parsed.version && HELP_COMMANDS.has(parsed.positional[0] ?? ''));
  if (wantsHelp) {
    return {
      kind: 'help',
      text: renderHelp({
        programName: app.programName,
        usage: app.usage,
        version: packageVersion(),
        options: app.options,
      }),
    };
  }
  if (parsed.version) return { kind: 'version', text: renderVersion(packageVersion()) };
  if (parsed.positional.length > 0) {
    throw new CliError(
      `unexpected argument ${JSON.stringify(parsed.positional[0])}: flags end at the first non-flag argument (write bool flags as -flag=false)`,
    );
  }

  const config = defaultConfig(app.options, env);
  /** Fields the user set (command line, JSON, plugin options), which -mode auto leaves alone. */
  const explicit = new Set<string>();
  for (const option of app.options) {
    const value = parsed.values.get(option.name);
    if (value !== undefined) {
      setOption(config, option, value);
      explicit.add(option.field);
    }
  }

  const plugin = sip003Settings(env, app.role, app.options);
  let jsonPath = config.configFile;
  for (const setting of plugin) {
    if (setting.option.field === 'configFile') jsonPath = String(setting.value);
  }
  if (jsonPath !== '') {
    for (const field of loadJsonConfigFile(config, app.options, jsonPath)) explicit.add(field);
  }
  for (const setting of plugin) {
    setOption(config, setting.option, setting.value);
    explicit.add(setting.option.field);
  }
  if (plugin.length > 0 && config.udp) throw new CliError(SIP003_UDP_REFUSAL);

  app.applyMode(config, explicit);
  const warnings = app.validate(config);
  return { kind: 'run', config, warnings };
}

const CLIENT_APP: AppDescription<ClientConfig> = {
  programName: 'kcptun-client',
  usage: 'client(with SMUX)',
  role: 'client',
  options: CLIENT_OPTIONS,
  applyMode: applyClientModePreset,
  validate: validateClientConfig,
};

const SERVER_APP: AppDescription<ServerConfig> = {
  programName: 'kcptun-server',
  usage: 'server(with SMUX)',
  role: 'server',
  options: SERVER_OPTIONS,
  applyMode: applyModePreset,
  validate: validateServerConfig,
};

/**
 * Parses kcptun-client's arguments (process.argv.slice(2)) and environment. Throws CliError, with a
 * one-line message naming the flag, key, option or file, for any bad input.
 */
export function parseClientArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParseResult<ClientConfig> {
  return parseArgs(argv, env, CLIENT_APP);
}

/** The same for kcptun-server. */
export function parseServerArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParseResult<ServerConfig> {
  return parseArgs(argv, env, SERVER_APP);
}
