import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { spawnOwnedSync } from '../support/owned.js';
import { freeTcpPort } from '../support/ports.js';
import { OUR_CLIENT, OUR_SERVER } from '../support/procs.js';

/**
 * -tcp without what it needs is refused at start-up with one line naming what is missing and how to fix
 * it, exit status 1, and never served over UDP instead. Each missing piece is simulated: another platform
 * and a missing koffi by a preloaded module, no CAP_NET_RAW by setpriv, no iptables by an empty PATH.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'kcpt-refuse-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function preload(name: string, code: string): string[] {
  const file = path.join(dir, name);
  writeFileSync(file, code);
  return ['--require', file];
}

const isRoot = process.getuid?.() === 0;
const onLinux = process.platform === 'linux';
// Picked, not fixed: a start-up that is not refused listens there, and must not meet another run's process.
const SERVER_PORT = await freeTcpPort();
const SERVER = `127.0.0.1:${SERVER_PORT}`;
const IPV6_SERVER = `[::1]:${SERVER_PORT}`;
const ROLES = [
  ['client', OUR_CLIENT, ['-l', `127.0.0.1:${await freeTcpPort()}`, '-r', SERVER, '-tcp']],
  ['server', OUR_SERVER, ['-l', SERVER, '-t', `127.0.0.1:${await freeTcpPort()}`, '-tcp']],
] as const;

function expectRefusal(
  argvOf: (main: string, args: readonly string[]) => string[],
  pattern: RegExp,
  env?: NodeJS.ProcessEnv,
): void {
  for (const [role, main, args] of ROLES) {
    const argv = argvOf(main, args);
    const r = spawnOwnedSync(argv[0]!, argv.slice(1), {
      encoding: 'utf8',
      env: env ?? process.env,
      timeout: 30_000,
    });
    assert.equal(r.status, 1, `${role}: exit status ${r.status}\n${r.stdout}${r.stderr}`);
    // kcptun's log (timestamped, on stderr) names the version first; the refusal is the one other line.
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /.test(l));
    assert.equal(lines.length, 1, `${role}: one line expected:\n${r.stderr}`);
    assert.match(lines[0]!, pattern, role);
    assert.doesNotMatch(r.stdout, /listening on/, `${role} started anyway`);
  }
}

describe('-tcp refusals', () => {
  test('not Linux', () => {
    const pre = preload('darwin.cjs', "Object.defineProperty(process, 'platform', { value: 'darwin' });");
    expectRefusal(
      (main, args) => [process.execPath, ...pre, main, ...args],
      /^-tcp needs Linux .*this is darwin/,
    );
  });

  test('no koffi', { skip: !onLinux && 'Linux only' }, () => {
    const pre = preload(
      'no-koffi.cjs',
      `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'koffi') throw new Error("Cannot find module 'koffi'");
  return resolve.call(this, request, ...rest);
};`,
    );
    expectRefusal(
      (main, args) => [process.execPath, ...pre, main, ...args],
      /^-tcp needs the koffi package .*npm install koffi$/,
    );
  });

  test('no CAP_NET_RAW', { skip: !(isRoot && onLinux) && 'needs root to drop the capability' }, () => {
    expectRefusal(
      (main, args) => [
        'setpriv',
        '--inh-caps=-all',
        '--bounding-set=-net_raw',
        process.execPath,
        main,
        ...args,
      ],
      /^-tcp needs a raw socket: run as root or grant CAP_NET_RAW/,
    );
  });

  test('no iptables', { skip: !(isRoot && onLinux) && 'needs root to pass the raw socket check' }, () => {
    expectRefusal((main, args) => [process.execPath, main, ...args], /^-tcp needs iptables .*install it/, {
      ...process.env,
      PATH: path.join(dir, 'empty'),
    });
  });

  test('an IPv6 server address (-r on the client, -l on the server)', () => {
    expectRefusal(
      (main, args) => [process.execPath, main, ...args.map((a) => a.replace(SERVER, IPV6_SERVER))],
      new RegExp(`^-tcp over IPv6 is not supported \\(\\[::1\\]:${SERVER_PORT}\\): use an IPv4 address`),
    );
  });
});
