/**
 * The tunnel under test: a server (a child process running the real kcptun-server main, or the library's
 * tunnel server in this process) with kcptun's defaults (FEC 10/3, snappy, smux v2), our default -mode auto
 * or kcptun's default -mode fast, and a chosen -crypt (the fuzzer uses `none`, so that forged datagrams
 * pass the CRC), an echo target behind it, and a real client in this process. The library builds each
 * mode's settings as the CLIs do (src/api/options.ts).
 */
import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTunnelClient, createTunnelServer } from '../../src/api/tunnel.js';
import { AUTO_MODE } from '../../src/cli/options.js';
import { snmp } from '../../src/metrics/snmp.js';
import { LISTEN_BACKLOG } from '../../src/tunnel/address.js';
import type { TunnelClient } from '../../src/tunnel/client.js';
import { freeUdpPort } from '../../test/support/ports.js';
import { TunnelProcess } from '../../test/support/procs.js';
import { UsageError } from '../cli-usage.js';

const KEY = 'kcptun-ts fuzz';
const SOCKBUF = 4 << 20;

/** -mode auto (ours, the default: every self-tuning part on) or kcptun's default -mode fast. */
export type TunnelMode = typeof AUTO_MODE | 'fast';

const TUNNEL_MODES: readonly TunnelMode[] = [AUTO_MODE, 'fast'];

/** A main's --mode value, or `fallback` without one. */
export function tunnelModeOption(value: string | undefined, fallback: TunnelMode): TunnelMode {
  if (value === undefined) return fallback;
  const mode = TUNNEL_MODES.find((m) => m === value);
  if (mode === undefined)
    throw new UsageError(`--mode must be one of ${TUNNEL_MODES.join(', ')}, got ${value}`);
  return mode;
}

/** What both in-process ends take besides their addresses: smux v2 with 8 KiB frames, no close wait. */
function commonOptions(crypt: string, mode: TunnelMode) {
  return {
    key: KEY,
    crypt,
    mode,
    smuxVer: 2,
    frameSize: 8192,
    sockBuf: SOCKBUF,
    closeWait: 0,
    quiet: true,
  } as const;
}

/** The server as the fuzzer sees it. */
export interface ServerUnderTest {
  readonly kind: 'child' | 'in-process';
  readonly port: number;
  /** Resident memory of the server (for in-process: of this whole process), bytes. */
  rss(): number;
  alive(): boolean;
  /** Sessions the server has opened since it started. */
  sessionsOpened(): number;
  /**
   * Sessions the server holds now (its CurrEstab, from the SNMP line a child logs on SIGUSR1); undefined
   * in-process, where the counters are shared with the client.
   */
  sessionsHeld(): Promise<number | undefined>;
  stop(): Promise<void>;
}

function childRss(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const SNMP_DUMP_TIMEOUT_MS = 2000;

/** Ask a child for its SNMP counters (SIGUSR1, as kcptun) and read CurrEstab from the line it logs. */
async function currEstabOf(proc: TunnelProcess): Promise<number | undefined> {
  const from = proc.log.length;
  proc.child.kill('SIGUSR1');
  const start = Date.now();
  while (Date.now() - start < SNMP_DUMP_TIMEOUT_MS) {
    const m = /CurrEstab:(\d+)/.exec(proc.log.slice(from));
    if (m) return Number(m[1]);
    await sleep(10);
  }
  return undefined;
}

/** The built kcptun-server main in a child process: the realistic case for memory. */
export async function startChildServer(
  targetPort: number,
  crypt: string,
  mode: TunnelMode,
): Promise<ServerUnderTest> {
  const port = await freeUdpPort();
  const proc = TunnelProcess.start('ts', 'server', [
    '-l',
    `127.0.0.1:${port}`,
    '-t',
    `127.0.0.1:${targetPort}`,
    '-crypt',
    crypt,
    '-key',
    KEY,
    '-smuxver',
    '2',
    '-mode',
    mode,
    '-quiet',
  ]);
  await proc.waitFor('listening on');
  const pid = proc.child.pid ?? 0;
  return {
    kind: 'child',
    port,
    rss: () => childRss(pid),
    alive: () => proc.child.exitCode === null && proc.child.signalCode === null,
    sessionsOpened: () => proc.log.split('on connection:').length - 1,
    sessionsHeld: () => currEstabOf(proc),
    stop: () => proc.stop(),
  };
}

/** The tunnel server in this process: what the CI test uses (no build of the mains needed, quicker). */
export async function startInProcessServer(
  targetPort: number,
  crypt: string,
  mode: TunnelMode,
): Promise<ServerUnderTest> {
  // no logger: one line per session (thousands under the fuzzer), and nobody reads them here
  const server = createTunnelServer({
    listen: '127.0.0.1:0',
    target: `127.0.0.1:${targetPort}`,
    ...commonOptions(crypt, mode),
  });
  const [port] = await server.start();
  const opened = snmp.PassiveOpens;
  let running = true;
  return {
    kind: 'in-process',
    port,
    rss: () => process.memoryUsage.rss(),
    alive: () => running,
    sessionsOpened: () => snmp.PassiveOpens - opened,
    sessionsHeld: async () => undefined,
    stop: async () => {
      running = false;
      server.close();
    },
  };
}

/**
 * The real client: kcptun-client's defaults (sndwnd 128, rcvwnd 512) with the server's settings; in -mode
 * auto, as its CLI, two sessions with each new stream on the less loaded.
 */
export async function startClient(
  remotePort: number,
  crypt: string,
  mode: TunnelMode,
): Promise<{ client: TunnelClient; port: number }> {
  const client = createTunnelClient({
    localAddr: '127.0.0.1:0',
    remoteAddr: `127.0.0.1:${remotePort}`,
    ...commonOptions(crypt, mode),
  });
  const addr = (await client.start()) as net.AddressInfo;
  return { client, port: addr.port };
}

/** A TCP echo server: whatever a connection sends comes back, so one sha256 checks both directions. */
export async function startEchoTarget(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  // A tunnel's -l queue (address.ts): the robustness tests open 1000-2000 streams at once into this target.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', LISTEN_BACKLOG, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
