import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import inspector from 'node:inspector';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { startProfiling } from '../../src/cli/profiling.js';
import { until } from '../support/deadline.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kcptun-pprof-'));

describe('-pprof equivalent', { skip: process.platform === 'win32' }, () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('opens the inspector on loopback and writes a CPU profile and heap snapshot on SIGUSR2', async () => {
    const lines: string[] = [];
    const stop = await startProfiling({ log: (m) => lines.push(m), port: 0, dir });
    try {
      assert.match(inspector.url() ?? '', /^ws:\/\/127\.0\.0\.1:\d+\//);
      assert.match(lines[0], /^pprof: inspector listening at ws:\/\/127\.0\.0\.1:/);
      const port = new URL(inspector.url() ?? '').port;
      assert.equal(
        lines[1],
        `pprof: WARNING: anyone who can connect to 127.0.0.1:${port} can run any code in this process through the inspector`,
      );

      process.kill(process.pid, 'SIGUSR2');
      await until(() => lines.some((l) => l.includes('CPU profile started')));
      let sink = 0;
      for (let i = 0; i < 1e6; i++) sink += Math.sqrt(i);
      assert.ok(sink > 0);
      process.kill(process.pid, 'SIGUSR2');
      await until(() => lines.some((l) => l.endsWith('.heapsnapshot')));
    } finally {
      stop();
    }
    assert.equal(inspector.url(), undefined, 'stop closes the inspector it opened');

    const files = readdirSync(dir).sort();
    assert.equal(files.length, 2);
    const [cpu, heap] = files;
    assert.match(cpu, new RegExp(`^kcptun-${process.pid}-\\d{8}-\\d{6}\\.cpuprofile$`));
    assert.equal(heap, cpu.replace(/cpuprofile$/, 'heapsnapshot'));
    const profile = JSON.parse(readFileSync(path.join(dir, cpu), 'utf8'));
    assert.ok(Array.isArray(profile.nodes) && profile.nodes.length > 0);
    assert.ok(profile.endTime > profile.startTime);
    assert.equal(readFileSync(path.join(dir, heap), 'utf8').slice(0, 12), '{"snapshot":');
  });

  it('logs, without failing, when the inspector port is taken', async () => {
    const first = await startProfiling({ log: () => {}, port: 0, dir });
    const port = Number(new URL(inspector.url()!).port);
    first();
    const { createServer } = await import('node:net');
    const server = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const lines: string[] = [];
    const stop = await startProfiling({ log: (m) => lines.push(m), port, dir });
    stop();
    server.close();
    assert.deepEqual(lines, [`pprof: cannot open the inspector on 127.0.0.1:${port}`]);
  });
});
