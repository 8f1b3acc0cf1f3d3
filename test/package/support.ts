/** What the package tests share: npm and git in temporary folders, a tunnel through given programs. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ownedArgv } from '../support/owned.js';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { TunnelProcess } from '../support/procs.js';
import { clientExchange, TransferTarget } from '../support/transfer.js';

/** The repository (dist/test/package -> ../../..). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** What tools/bundle/build.mjs exports (plain JavaScript, so typed here). */
export interface BundleTool {
  /** The first line of every bundle. */
  BUNDLE_MARK: string;
  /** The bundled modules under dist/src/cli. */
  BUNDLED: string[];
  /** The modules under dist/src a bundle imports as files. */
  START_MODULES: string[];
}

/** This repository's bundler (tools/bundle/build.mjs), for what it says a bundle is. */
export async function bundleTool(): Promise<BundleTool> {
  return (await import(pathToFileURL(path.join(REPO, 'tools', 'bundle', 'build.mjs')).href)) as BundleTool;
}

export interface Run {
  stdout: string;
  stderr: string;
}

/** Run a program to completion; rejects with its output when it fails. */
export function run(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  const [command, ...rest] = ownedArgv([file, ...args]);
  return new Promise((resolve, reject) => {
    execFile(command!, rest, { ...options, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/**
 * npm with this environment minus the npm_config_* variables that `npm test` sets for its scripts (they
 * would make a nested npm use this repository's settings); offline first, from the cache `npm ci` filled.
 */
export function npm(args: string[], cwd: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  const [command, ...rest] = args;
  return run('npm', [command, '--no-audit', '--no-fund', '--prefer-offline', ...rest], { cwd, env });
}

/** A temporary folder, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `kcptun-ts-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `npm pack` of this repository (already built) into `dir`; returns the tarball's path. */
export async function pack(dir: string): Promise<string> {
  const { stdout } = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], REPO);
  const [info] = JSON.parse(stdout) as { filename: string }[];
  return path.join(dir, info.filename);
}

/** The ```js blocks of the README's "## Library" section: the examples a user copies. */
export function readmeLibraryExamples(): string[] {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Library\n');
  assert.ok(start >= 0, 'README has a "## Library" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** A program to start: the command and the arguments before the flags. */
export interface Program {
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Start `server` and `client` on loopback with `extra` flags, carry 256 KiB each way through one connection,
 * check both directions, stop both. Resolves with the two logs.
 */
export async function tunnelThrough(
  server: Program,
  client: Program,
  extra: string[] = [],
): Promise<string[]> {
  const bytes = 256 * 1024;
  const target = await TransferTarget.start(bytes);
  const udp = await freeUdpPort();
  const tcp = await freeTcpPort();
  const common = ['-key', 'package test', ...extra];
  const procs: TunnelProcess[] = [];
  try {
    const s = TunnelProcess.command(
      'server',
      server.file,
      [...server.args, '-l', `127.0.0.1:${udp}`, '-t', `127.0.0.1:${target.port}`, ...common],
      server.env,
    );
    procs.push(s);
    await s.waitFor('listening on:', 30_000);
    const c = TunnelProcess.command(
      'client',
      client.file,
      [...client.args, '-l', `127.0.0.1:${tcp}`, '-r', `127.0.0.1:${udp}`, ...common],
      client.env,
    );
    procs.push(c);
    await c.waitFor('listening on:', 30_000);
    const [sent, got] = await clientExchange(tcp, bytes);
    // The target records what it read once it has also finished writing: wait (bounded) for that event.
    await target.whenReceived(1);
    assert.deepEqual(target.received, [sent], 'the target got what the client sent');
    assert.equal(got, target.sentHashes[0], 'the client got what the target sent');
    return procs.map((p) => p.log);
  } finally {
    for (const p of procs) await p.stop();
    await target.close();
  }
}
