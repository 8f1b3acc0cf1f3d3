/**
 * `-h` and `-v` output in urfave/cli v1's format (its AppHelpTemplate laid out by Go's tabwriter
 * with padding 2), as `kcptun-client -h` prints it.
 */
import { HELP_FLAG, VERSION_FLAG } from './flags.js';
import type { OptionSpec } from './options.js';

/** kcptun sets the urfave/cli App name to "kcptun" in both binaries. */
export const APP_NAME = 'kcptun';
const INDENT = '   ';
const TAB_PADDING = 2;

export interface HelpApp<C> {
  /** The binary name shown under USAGE, e.g. `kcptun-client`. */
  readonly programName: string;
  /** The App usage line: `client(with SMUX)` or `server(with SMUX)`. */
  readonly usage: string;
  readonly version: string;
  readonly options: readonly OptionSpec<C>[];
}

/** Go's %q for the plain strings used as defaults. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

function flagNames(name: string, aliases: readonly string[], placeholder: string): string {
  return [name, ...aliases]
    .map((n) => `${n.length === 1 ? '-' : '--'}${n}${placeholder === '' ? '' : ` ${placeholder}`}`)
    .join(', ');
}

/** The two tab-separated cells urfave/cli prints for one flag. */
function flagCells<C>(option: OptionSpec<C>): [string, string] {
  const isBool = option.type === 'bool';
  let defaultText = '';
  if (!isBool) {
    if (option.type === 'int') defaultText = ` (default: ${option.defaultValue})`;
    else if (option.defaultValue !== '') defaultText = ` (default: ${goQuote(String(option.defaultValue))})`;
  }
  const envHint = option.envVar === undefined ? '' : ` [$${option.envVar}]`;
  const usage = `${option.usage}${defaultText}`.trim() + envHint;
  return [flagNames(option.name, option.aliases, isBool ? '' : 'value'), usage];
}

/** Go's tabwriter for one block of two-cell lines: the first column padded to its width + 2. */
function alignBlock(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([first]) => INDENT.length + first.length)) + TAB_PADDING;
  return rows.map(([first, second]) => `${INDENT}${first}`.padEnd(width) + second);
}

export function renderHelp<C>(app: HelpApp<C>): string {
  const flagRows: Array<readonly [string, string]> = app.options
    .filter((o) => !o.hidden)
    .map((o) => flagCells(o));
  flagRows.push([flagNames(HELP_FLAG.name, HELP_FLAG.aliases, ''), 'show help']);
  flagRows.push([flagNames(VERSION_FLAG.name, VERSION_FLAG.aliases, ''), 'print the version']);
  return [
    'NAME:',
    `${INDENT}${APP_NAME} - ${app.usage}`,
    '',
    'USAGE:',
    `${INDENT}${app.programName} [global options] command [command options] [arguments...]`,
    '',
    'VERSION:',
    `${INDENT}${app.version}`,
    '',
    'COMMANDS:',
    ...alignBlock([['help, h', 'Shows a list of commands or help for one command']]),
    '',
    'GLOBAL OPTIONS:',
    ...alignBlock(flagRows),
    '',
  ].join('\n');
}

/** What urfave/cli's ShowVersion prints for -v (with a trailing newline). */
export function renderVersion(version: string): string {
  return `${APP_NAME} version ${version}\n`;
}
