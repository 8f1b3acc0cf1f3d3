import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OPTIMIZER_PROBE_FUNCTION, OPTIMIZER_PROBE_LINE } from '../support/optimizer-probe.js';
import { spawnOwnedSync } from '../support/owned.js';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { OUR_SERVER, TunnelProcess } from '../support/procs.js';
import { YOUNG_GENERATION_LINE } from '../support/young-generation-probe.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const MIB = 1024 * 1024;
const PROBE = path.resolve(SRC, '..', 'test', 'support', 'young-generation-probe.js');
const OPTIMIZER_PROBE = path.resolve(SRC, '..', 'test', 'support', 'optimizer-probe.js');

/**
 * The young generation's size (MiB) in a fresh node that imports `module` and then allocates short-lived
 * objects until V8 would have grown it to its 16 MiB semi-space limit several times over.
 */
function youngGenerationAfterChurn(module: string, nodeFlags: string[] = []): number {
  const script = `
    import(${JSON.stringify(module)}).then(async () => {
      const { getHeapSpaceStatistics } = await import('node:v8');
      let keep = [];
      for (let i = 0; i < 2e6; i++) { keep.push({ i, s: [i, i] }); if (keep.length > 20000) keep = []; }
      const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      process.stdout.write(String(young.space_size));
    });`;
  const r = spawnOwnedSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout) / MIB;
}

test('the bins keep the young generation at its initial size; a user flag and the library do not', () => {
  // Initial semi-space 1 MiB: the young generation (two semi-spaces) stays at 2 MiB.
  assert.ok(youngGenerationAfterChurn(path.join(SRC, 'cli', 'heap-tuning.js')) <= 2);
  // V8's default grows it (up to 32 MiB); the library must leave that alone.
  assert.ok(youngGenerationAfterChurn(path.join(SRC, 'index.js')) > 2);
  // A user's own semi-space flag wins.
  const own = ['--max-semi-space-size=4'];
  assert.ok(youngGenerationAfterChurn(path.join(SRC, 'cli', 'heap-tuning.js'), own) > 2);
});

/**
 * The young generation (MiB) of a worker thread started by a fresh node that imported heap-tuning.js,
 * with workerResourceLimits() or without, after the same churn as youngGenerationAfterChurn.
 */
function workerYoungGeneration({ limited }: { limited: boolean }): number {
  const module = path.join(SRC, 'cli', 'heap-tuning.js');
  const churn = `
    const { getHeapSpaceStatistics } = await import('node:v8');
    let keep = [];
    for (let i = 0; i < 2e6; i++) { keep.push({ i, s: [i, i] }); if (keep.length > 20000) keep = []; }
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    (await import('node:worker_threads')).parentPort.postMessage(young.space_size);`;
  const script = `
    const { workerResourceLimits } = await import(${JSON.stringify(module)});
    const { Worker } = await import('node:worker_threads');
    const options = { eval: true, ${limited ? 'resourceLimits: workerResourceLimits()' : ''} };
    const worker = new Worker(${JSON.stringify(`(async () => {${churn}})()`)}, options);
    worker.once('message', (bytes) => { process.stdout.write(String(bytes)); worker.terminate(); });`;
  const r = spawnOwnedSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout) / MIB;
}

test("a -workers thread's young generation is the main thread's 2 MiB, not a worker's default", () => {
  assert.ok(workerYoungGeneration({ limited: true }) <= 2);
  // what the limit changes: node starts a worker's isolate with twice the semi-space
  assert.ok(workerYoungGeneration({ limited: false }) > 2);
});

test('a bin sets the flag before its program is parsed: the young generation is 2 MiB once it listens', async () => {
  // Parsing the program's modules before heap-tuning ran grew it to 2 x 2 MiB (client-main.ts).
  const port = await freeUdpPort();
  const server = TunnelProcess.start('ts', 'server', ['-l', `127.0.0.1:${port}`, '-t', '127.0.0.1:1'], {
    NODE_OPTIONS: `--import=${PROBE}`,
  });
  try {
    await server.waitFor('listening on');
    server.child.kill('SIGUSR2');
    await server.waitFor(YOUNG_GENERATION_LINE);
    const bytes = Number(new RegExp(`${YOUNG_GENERATION_LINE}(\\d+)`).exec(server.log)?.[1]);
    assert.ok(bytes <= 2 * MIB, `young generation ${bytes / MIB} MiB`);
  } finally {
    await server.stop();
  }
});

test('a tunnel optimizes nothing until its first stream, and hot code from then on', async () => {
  // --trace-opt names every function Turbofan optimizes, written to a file as it happens (on stdout it
  // would wait in the C library's buffer). Loading the program's modules made some 15 functions hot, and
  // an idle session's timers and keepalives about 20 more within seconds.
  const dir = mkdtempSync(path.join(tmpdir(), 'kcptun-opt-'));
  const trace = path.join(dir, 'trace-opt.txt');
  const flags = [
    '--trace-opt',
    '--no-concurrent-recompilation',
    '--redirect-code-traces',
    `--redirect-code-traces-to=${trace}`,
    `--import=${OPTIMIZER_PROBE}`,
  ];
  const optimized = (): string => (existsSync(trace) ? readFileSync(trace, 'utf8') : '');
  const target = net.createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const targetPort = (target.address() as net.AddressInfo).port;
  const [port, local] = [await freeUdpPort(), await freeTcpPort()];
  const server = TunnelProcess.command(
    'ts-server',
    process.execPath,
    [...flags, OUR_SERVER, '-l', `127.0.0.1:${port}`, '-t', `127.0.0.1:${targetPort}`],
    { ...process.env, NODE_OPTIONS: '' },
  );
  const client = TunnelProcess.start('ts', 'client', ['-r', `127.0.0.1:${port}`, '-l', `127.0.0.1:${local}`]);
  let conn: net.Socket | null = null;
  try {
    await server.waitFor('listening on');
    await client.waitFor('listening on');
    assert.doesNotMatch(optimized(), /TURBOFAN/, 'Turbofan ran while the server started');
    // the client's session is up (it dials at start) but carries no stream: still nothing optimized
    server.child.kill('SIGUSR2');
    await server.waitFor(`${OPTIMIZER_PROBE_LINE} #1`);
    assert.doesNotMatch(optimized(), /TURBOFAN/, 'Turbofan ran in an idle tunnel');
    conn = net.connect(local, '127.0.0.1');
    await server.waitFor('stream opened');
    server.child.kill('SIGUSR2');
    await server.waitFor(`${OPTIMIZER_PROBE_LINE} #2`);
    assert.match(optimized(), new RegExp(`${OPTIMIZER_PROBE_FUNCTION}.*TURBOFAN`), 'Turbofan stayed off');
  } finally {
    conn?.destroy();
    await client.stop();
    await server.stop();
    target.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Run `script` as an ES module in a fresh node with `nodeFlags` (compiles on the main thread); its stdout. */
function runModule(nodeFlags: string[], script: string): string {
  const flags = ['--no-concurrent-recompilation', ...nodeFlags];
  const r = spawnOwnedSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/**
 * What --trace-opt prints in a fresh node that imports heap-tuning, runs a hot loop, calls endStartup
 * (unless `end` is false) and runs another: the names of the loops Turbofan optimized.
 */
function optimizedLoops(nodeFlags: string[], end: boolean): string[] {
  const script = `
    import(${JSON.stringify(path.join(SRC, 'cli', 'heap-tuning.js'))}).then(({ endStartup }) => {
      const values = new Int32Array(1000).fill(7);
      const hot = (loop) => { let s = 0; for (let r = 0; r < 20000; r++) s += loop(values); return s; };
      hot(function startingLoop(v) { let s = 0; for (let i = 0; i < v.length; i++) s = (s + v[i] * 31) | 0; return s; });
      if (${end}) endStartup();
      hot(function startedLoop(v) { let s = 0; for (let i = 0; i < v.length; i++) s = (s + v[i] * 37) | 0; return s; });
    });`;
  const out = runModule(['--trace-opt', ...nodeFlags], script);
  return ['startingLoop', 'startedLoop'].filter((name) => new RegExp(`${name}.*TURBOFAN`).test(out));
}

test('Turbofan is off until endStartup, and a user flag for the compiler tiers is left alone', () => {
  assert.deepEqual(optimizedLoops([], true), ['startedLoop']);
  assert.deepEqual(optimizedLoops([], false), []);
  assert.deepEqual(optimizedLoops(['--no-opt'], true), []);
  assert.deepEqual(optimizedLoops(['--turbofan'], false), ['startingLoop', 'startedLoop']);
});

/**
 * How many of six callees (each some 100 bytes of bytecode, 600 in all) Turbofan inlines into their hot
 * caller, in a fresh node that imports heap-tuning and calls endStartup (--trace-turbo-inlining).
 */
function inlinedCallees(nodeFlags: string[]): number {
  const script = `
    import(${JSON.stringify(path.join(SRC, 'cli', 'heap-tuning.js'))}).then(({ endStartup }) => {
      endStartup();
      const callee = (k) => new Function('v', 'let s = ' + k + '; for (let i = 0; i < v.length; i++) {' +
        ' s = (s + v[i] * ' + k + ') | 0; s ^= s >>> ' + (k + 1) + '; s = (s * ' + (k + 3) + ') | 0;' +
        ' s += v[(i + ' + k + ') % v.length]; s = (s ^ ' + 17 * k + ') | 0; s = (s + (v[i] >>> 1)) | 0;' +
        ' s = (s - (v[i] << 2)) | 0; } return s;');
      const [a, b, c, d, e, f] = [1, 2, 3, 4, 5, 6].map(callee);
      const values = new Int32Array(8).fill(3);
      function inliningCaller(v) { return a(v) + b(v) + c(v) + d(v) + e(v) + f(v); }
      let s = 0;
      for (let r = 0; r < 200000; r++) s += inliningCaller(values);
    });`;
  const out = runModule(['--trace-turbo-inlining', ...nodeFlags], script);
  return (out.match(/^Inlining .* into .*inliningCaller/gm) ?? []).length;
}

test("the bins halve Turbofan's inlining budget, and a user's own inlining flag wins", () => {
  // V8's default budget (920 bytes of bytecode) takes all six callees; the bins' (460) some of them.
  const ours = inlinedCallees([]);
  assert.ok(ours >= 1 && ours < 6, `${ours} of 6 callees inlined`);
  assert.equal(inlinedCallees(['--max-inlined-bytecode-size-cumulative=920']), 6);
});
