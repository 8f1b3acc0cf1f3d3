import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BUILTINS_LINE } from '../support/builtins-probe.js';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { TunnelProcess } from '../support/procs.js';

/**
 * The programs' TypeScript sources (dist/test/cli -> the repository's src/cli): the build bundles each
 * program into one script (tools/bundle/build.mjs), so the compiled dist/src/cli no longer shows its graph.
 */
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'cli');
const PROBE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'support',
  'builtins-probe.js',
);

/** A source's relative imports of code, split into static (`import ... from`, `export ... from`, `import '...'`) and dynamic. */
function importsOf(file: string): { static: string[]; dynamic: string[] } {
  const text = readFileSync(file, 'utf8');
  // './x.js' in a source names ./x.ts (TypeScript's NodeNext resolution)
  const resolve = (spec: string): string => path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
  const found = (re: RegExp): string[] =>
    [...text.matchAll(re)].map((m) => resolve((m[1] ?? m[2]) as string));
  return {
    // `import type` and `export type` name types only: tsc leaves them out of the program
    static: found(
      /^(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s*'(\.{1,2}\/[^']+)'|^import\s*'(\.{1,2}\/[^']+)'/gm,
    ),
    dynamic: found(/\bimport\('(\.{1,2}\/[^']+)'\)/g),
  };
}

/** Every module a program's start loads before its flags are acted on (its static import graph), and the modules those name in dynamic imports. */
function graphOf(entry: string): { loaded: Set<string>; dynamic: Set<string> } {
  const loaded = new Set<string>();
  const dynamic = new Set<string>();
  const todo = [entry];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (loaded.has(file)) continue;
    loaded.add(file);
    const imports = importsOf(file);
    todo.push(...imports.static);
    for (const d of imports.dynamic) dynamic.add(d);
  }
  return { loaded, dynamic };
}

/** Modules (under src/) that only a flag needs: -workers, -pprof, -snmplog, -metrics. */
const FLAG_ONLY = [
  'cli/server-workers.ts',
  'cli/client-workers.ts',
  'cli/profiling.ts',
  'metrics/snmp-logger.ts',
  'metrics/http-server.ts',
];

test("a program's start leaves out the modules only a flag needs, and loads them when it is given", () => {
  for (const program of ['server-program.ts', 'client-program.ts']) {
    const { loaded, dynamic } = graphOf(path.join(CLI, program));
    assert.ok(loaded.size > 50, `${program}: ${loaded.size} modules`); // the walk follows the imports
    for (const module of FLAG_ONLY) {
      const file = path.resolve(CLI, '..', module);
      if (module === 'cli/server-workers.ts' && program === 'client-program.ts') continue;
      if (module === 'cli/client-workers.ts' && program === 'server-program.ts') continue;
      assert.ok(!loaded.has(file), `${program} loads ${module} at start`);
      assert.ok(dynamic.has(file), `${program} never loads ${module}`);
    }
  }
});

/**
 * The node modules a client started with `flags` has loaded once it listens and has dialled its sessions
 * (-mode auto dials them at start; builtins-probe.ts), its server given as `serverHost`.
 */
async function builtinsOfClient(flags: string[], serverHost = '127.0.0.1'): Promise<Set<string>> {
  const [udp, tcp] = [await freeUdpPort(), await freeTcpPort()];
  const client = TunnelProcess.start(
    'ts',
    'client',
    ['-l', `127.0.0.1:${tcp}`, '-r', `${serverHost}:${udp}`, ...flags],
    {
      NODE_OPTIONS: `--import=${PROBE}`,
    },
  );
  try {
    await client.waitFor('listening on');
    await client.waitFor('smux version: 2 on connection');
    client.child.kill('SIGUSR2');
    await client.waitFor(BUILTINS_LINE);
    const line = client.log.slice(client.log.indexOf(BUILTINS_LINE) + BUILTINS_LINE.length);
    return new Set(line.slice(0, line.indexOf('\n')).split(' '));
  } finally {
    await client.stop();
  }
}

test("a started program has not loaded node's modules that only a flag's code imports, bundled or not", async () => {
  // A bundle is one ES module, whose imports all load before it runs: the build routes node:http,
  // node:worker_threads and node:sea, imported by -metrics' and -workers' code only, through require
  // inside that code (tools/bundle/build.mjs).
  const plain = await builtinsOfClient([]);
  assert.ok(plain.has('net') && plain.has('dgram'), 'the probe lists what loaded');
  for (const name of ['http', 'worker_threads', 'sea', 'inspector']) {
    assert.ok(!plain.has(name), `node:${name} loaded at start`);
  }
  const metrics = await builtinsOfClient(['-metrics', `127.0.0.1:${await freeTcpPort()}`]);
  assert.ok(metrics.has('http'), 'node:http with -metrics');
});

test('node:zlib and node:dns/promises load only where needed: a CRC without libdeflate, a name to resolve', async () => {
  // libdeflate computes the CRC here (test/crypt/core-vectors.test.ts), and an IP literal needs no resolver
  // (src/transport/resolve.ts, docs/bench-tunnel-memory-2026-12-07-mem36.md)
  const literal = await builtinsOfClient([]);
  assert.ok(literal.has('crypto'), 'the probe lists what loaded');
  for (const name of ['zlib', 'dns/promises']) {
    assert.ok(!literal.has(name), `node:${name} loaded by a client given IP addresses`);
  }
  const named = await builtinsOfClient([], 'localhost');
  assert.ok(named.has('dns/promises'), 'node:dns/promises once a name is resolved');
});
