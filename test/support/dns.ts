import { type ChildProcess, execFile, spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';
import { spawnOwned } from './owned.js';

/** dig (Debian dnsutils) and dnsmasq, for DNS through the tunnel; .ci/run installs both. */
const run = promisify(execFile);
export const available = (cmd: string, args: string[]): boolean => spawnSync(cmd, args).status === 0;
export const dnsSkip =
  available('dig', ['-v']) && available('dnsmasq', ['--version'])
    ? false
    : 'dig or dnsmasq not installed (apt-get install dnsutils dnsmasq)';

/** dnsmasq on 127.0.0.1:port answering example.test with 1.2.3.4, and nothing else. */
export async function startDnsmasq(port: number): Promise<ChildProcess> {
  const child = spawnOwned(
    'dnsmasq',
    [
      '--no-daemon',
      '--conf-file=/dev/null',
      '--pid-file=',
      '--no-hosts',
      '--no-resolv',
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--address=/example.test/1.2.3.4',
      `--user=${userInfo().username}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  // ready once it answers directly
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dnsmasq exited: ${log}`);
    const r = await dig(port, []).catch(() => '');
    if (r === '1.2.3.4') return child;
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`dnsmasq does not answer: ${log}`);
    }
  }
}

/** `dig @127.0.0.1 -p port example.test A +short`: the answer, trimmed. */
export async function dig(port: number, extra: string[]): Promise<string> {
  const { stdout } = await run('dig', [
    '@127.0.0.1',
    '-p',
    String(port),
    'example.test',
    'A',
    '+short',
    '+tries=1',
    '+time=5',
    ...extra,
  ]);
  return stdout.trim();
}
