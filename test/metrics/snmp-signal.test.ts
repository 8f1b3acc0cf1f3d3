import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnOwned } from '../support/owned.js';

const distSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'metrics');
const url = (file: string): string => pathToFileURL(path.join(distSrc, file)).href;

/** A child that installs the handler, says ready, dumps on SIGUSR1, and exits after the second dump. */
const CHILD = `
import { Snmp } from '${url('snmp.js')}';
import { installSnmpSignal } from '${url('snmp-signal.js')}';
const snmp = new Snmp();
snmp.BytesSent = 5;
snmp.OOBPackets = 9;
let dumps = 0;
const remove = installSnmpSignal(snmp, (line) => {
  process.stdout.write(line + '\\n');
  snmp.BytesSent++;
  if (++dumps === 2) { remove(); process.exit(0); }
});
process.stdout.write('ready\\n');
setInterval(() => {}, 1000);
`;

describe('SIGUSR1', { skip: process.platform === 'win32' }, () => {
  it('prints the SNMP dump line each time, instead of starting the Node inspector', async () => {
    const child = spawnOwned(process.execPath, ['--input-type=module', '-e', CHILD], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      const before = out;
      out += d.toString();
      if (!before.includes('ready') && out.includes('ready')) child.kill('SIGUSR1');
      if (!before.includes('BytesSent:5 ') && out.includes('BytesSent:5 ')) child.kill('SIGUSR1');
    });
    const code = await exited;
    clearTimeout(kill);
    assert.equal(code, 0, `child stderr: ${err}`);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[1], /^KCP SNMP:&\{BytesSent:5 BytesReceived:0 MaxConn:0 .* OOBPackets:9\}$/);
    assert.match(lines[2], /^KCP SNMP:&\{BytesSent:6 /);
    assert.doesNotMatch(err, /Debugger listening/);
  });
});
