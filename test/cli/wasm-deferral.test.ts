import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { TunnelProcess } from '../support/procs.js';
import { WASM_PROBE_LINE } from '../support/wasm-probe.js';

const PROBE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'support', 'wasm-probe.js');

/** How many WebAssembly modules `proc` has compiled, asked of its probe (the `run`th time). */
async function compiledBy(proc: TunnelProcess, run: number): Promise<number> {
  proc.child.kill('SIGUSR2');
  const line = `${WASM_PROBE_LINE} #${run}: `;
  await proc.waitFor(line);
  const rest = proc.log.slice(proc.log.indexOf(line) + line.length);
  return Number.parseInt(rest, 10);
}

test('a tunnel compiles no WebAssembly until its first stream, and its FEC and CRC-32C modules from then on', async () => {
  // src/wasm/deferral.ts: the sessions of an idle client and server (-mode auto dials them at start; FEC
  // and snappy on, the defaults) run the FEC kernel's and CRC-32C's JavaScript paths
  const target = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const targetPort = (target.address() as net.AddressInfo).port;
  const [port, local] = [await freeUdpPort(), await freeTcpPort()];
  const env = { NODE_OPTIONS: `--import=${PROBE}` };
  const server = TunnelProcess.start(
    'ts',
    'server',
    ['-l', `127.0.0.1:${port}`, '-t', `127.0.0.1:${targetPort}`],
    env,
  );
  const client = TunnelProcess.start(
    'ts',
    'client',
    ['-r', `127.0.0.1:${port}`, '-l', `127.0.0.1:${local}`],
    env,
  );
  let conn: net.Socket | null = null;
  try {
    await client.waitFor('listening on');
    await client.waitFor('smux version: 2 on connection');
    await server.waitFor('smux version: 2 on connection');
    assert.equal(await compiledBy(client, 1), 0, 'the idle client compiled WebAssembly');
    assert.equal(await compiledBy(server, 1), 0, 'the idle server compiled WebAssembly');
    // a stream, and data both ways through FEC and snappy (echoed intact)
    const sent = Buffer.alloc(256 * 1024, 'kcptun');
    conn = net.connect(local, '127.0.0.1');
    const echoed = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let length = 0;
      conn!.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        length += chunk.length;
        if (length >= sent.length) resolve(Buffer.concat(chunks));
      });
      conn!.on('error', reject);
      conn!.write(sent);
    });
    assert.ok(echoed.equals(sent), 'echoed intact');
    assert.ok((await compiledBy(client, 2)) >= 1, 'the client never compiled WebAssembly');
    assert.ok((await compiledBy(server, 2)) >= 1, 'the server never compiled WebAssembly');
  } finally {
    conn?.destroy();
    await client.stop();
    await server.stop();
    target.close();
  }
});
