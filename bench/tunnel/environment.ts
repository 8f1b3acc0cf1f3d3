import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { packageVersion } from '../../src/cli/version.js';
import { goKcptunPath } from '../../test/support/procs.js';

/** Where and how a benchmark ran, for the head of its report. */
export interface Environment {
  date: string;
  nproc: number;
  cpuModel: string;
  node: string;
  ours: string;
  /** Version line of the Go binaries and their Debian package version, or why they are absent. */
  kcptun: string;
  command: string;
}

export function describeEnvironment(argv: readonly string[]): Environment {
  return {
    date: new Date().toISOString().slice(0, 10),
    nproc: os.availableParallelism(),
    cpuModel: cpuModel(),
    node: process.version,
    ours: `kcptun-ts ${packageVersion()}${commitOf()}`,
    kcptun: goVersion(),
    command: commandLine(argv),
  };
}

function cpuModel(): string {
  const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
  return m ? m[1].trim() : (os.cpus()[0]?.model ?? 'unknown');
}

/** The commit the build came from, marked when the work tree has changes on top of it. */
function commitOf(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return '';
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' });
  const dirty = status.status === 0 && status.stdout.trim() !== '' ? ' with local changes' : '';
  return ` (commit ${head.stdout.trim()}${dirty})`;
}

function goVersion(): string {
  const client = goKcptunPath('client');
  if (client === null) return 'not installed';
  const v = spawnSync(client, ['-v'], { encoding: 'utf8' });
  if (v.status !== 0) return 'not installed';
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax, not a template
  const deb = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'kcptun'], { encoding: 'utf8' });
  const debian = deb.status === 0 ? ` (Debian package kcptun ${deb.stdout.trim()})` : '';
  return `${v.stdout.trim()}${debian}`;
}

/** The command as the user typed it: through npm when npm ran it. */
function commandLine(argv: readonly string[]): string {
  const args = argv.map((a) => (/^[\w.,/=:-]+$/.test(a) ? a : `'${a}'`)).join(' ');
  const base =
    process.env.npm_lifecycle_event === 'bench:tunnel'
      ? `npm run bench:tunnel${args ? ' --' : ''}`
      : 'node dist/bench/tunnel/main.js';
  return args ? `${base} ${args}` : base;
}

export function environmentMarkdown(env: Environment): string {
  return [
    `- date: ${env.date}`,
    `- machine: ${env.nproc} CPUs (nproc), ${env.cpuModel}`,
    `- node ${env.node}, ${env.ours}`,
    `- Go: ${env.kcptun}`,
    `- command: \`${env.command}\``,
  ].join('\n');
}
