/**
 * The tunnel under test: a server (a child process running the real kcptun-server main, or a TunnelServer
 * in this process) with kcptun's defaults (FEC 10/3, snappy, smux v2), our default -mode auto or kcptun's
 * default -mode fast, and a chosen -crypt (the fuzzer uses `none`, so that forged datagrams pass the CRC),
 * an echo target behind it, and a real client in this process.
 */
import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AUTO_MODE, AUTO_SMUX_BUF, MODE_PRESETS } from '../../src/cli/options.js';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { snmp } from '../../src/metrics/snmp.js';
import { defaultSmuxConfig, type SmuxConfig } from '../../src/smux/index.js';
import type { SessionOptions } from '../../src/transport/session.js';
import { LISTEN_BACKLOG } from '../../src/tunnel/address.js';
import { TunnelClient } from '../../src/tunnel/client.js';
import { TunnelServer } from '../../src/tunnel/server.js';
import { AUTO_CONN } from '../../src/tunnel/stream-placement.js';
import { freeUdpPort } from '../../test/support/ports.js';
import { TunnelProcess } from '../../test/support/procs.js';
import { UsageError } from '../cli-usage.js';

const KEY = 'kcptun-ts fuzz';
/** kcptun-server's per-port cap (server-main.ts). */
export const SERVER_MAX_SESSIONS = 4096;
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

/** The tunnel's KCP settings at kcptun's defaults (the windows the caller's role has) in `mode`. */
function sessionOptions(crypt: string, sndWnd: number, rcvWnd: number, mode: TunnelMode): SessionOptions {
  const preset = MODE_PRESETS[mode];
  const options: SessionOptions = {
    crypt: createPacketCrypt(crypt, deriveKey(KEY)).crypt,
    dataShards: 10,
    parityShards: 3,
    mtu: 1350,
    sndWnd,
    rcvWnd,
    nodelay: preset.noDelay,
    interval: preset.interval,
    resend: preset.resend,
    nc: preset.nc,
    ackNoDelay: false,
  };
  if (mode === AUTO_MODE) options.auto = { congestion: true, windows: true, fec: true };
  return options;
}

/** smux v2 with the buffers `mode` gives (-mode auto's larger ones: src/cli/options.ts AUTO_SMUX_BUF). */
function smuxConfig(mode: TunnelMode): SmuxConfig {
  const smux = { ...defaultSmuxConfig(), version: 2 as const, maxFrameSize: 8192 };
  if (mode === AUTO_MODE) {
    smux.maxReceiveBuffer = Math.max(smux.maxReceiveBuffer, AUTO_SMUX_BUF);
    smux.maxStreamBuffer = Math.max(smux.maxStreamBuffer, AUTO_SMUX_BUF);
  }
  return smux;
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

/** A TunnelServer in this process: what the CI test uses (no build of the mains needed, quicker). */
export async function startInProcessServer(
  targetPort: number,
  crypt: string,
  mode: TunnelMode,
): Promise<ServerUnderTest> {
  // One line per session (thousands under the fuzzer): nobody reads them here.
  const log = (): void => {};
  const server = new TunnelServer({
    listen: { host: '127.0.0.1', minPort: 0, maxPort: 0 },
    target: { host: '127.0.0.1', port: targetPort },
    closeWaitSeconds: 0,
    quiet: true,
    noComp: false,
    smux: smuxConfig(mode),
    session: {
      ...sessionOptions(crypt, 1024, 1024, mode),
      sockbuf: SOCKBUF,
      maxSessions: SERVER_MAX_SESSIONS,
      log,
    },
    log,
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
  const client = new TunnelClient({
    listen: { host: '127.0.0.1', port: 0 },
    remote: { host: '127.0.0.1', minPort: remotePort, maxPort: remotePort },
    conn: mode === AUTO_MODE ? AUTO_CONN : 1,
    placement: mode === AUTO_MODE ? 'least-loaded' : 'round-robin',
    autoExpireSeconds: 0,
    scavengeTtlSeconds: 600,
    closeWaitSeconds: 0,
    quiet: true,
    noComp: false,
    smux: smuxConfig(mode),
    session: { ...sessionOptions(crypt, 128, 512, mode), sockbuf: SOCKBUF },
    log: () => {},
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
