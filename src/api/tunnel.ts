/**
 * kcptun's two programs as objects a program can start and stop: the same TunnelClient and TunnelServer
 * the CLIs run, built from library options (kcptun's settings under their field names, kcptun's defaults).
 */

import { SMUX_KEEPALIVE_TIMEOUT_SECONDS } from '../cli/validate.js';
import { QppPads, validateQppParams } from '../crypt/qpp/index.js';
import type { SmuxConfig } from '../smux/index.js';
import { DEFAULT_MAX_SESSIONS } from '../transport/listener.js';
import { isUnixPath, type StreamEndpoint } from '../tunnel/address.js';
import { TunnelClient } from '../tunnel/client.js';
import type { MuxOptions } from '../tunnel/mux.js';
import { TunnelServer } from '../tunnel/server.js';
import { AUTO_CONN } from '../tunnel/stream-placement.js';
import { hostPortsOf } from './address.js';
import {
  checkOptions,
  type Logger,
  loggerOf,
  OPTION_NAMES,
  OptionReader,
  sessionOptionsOf,
  smuxFieldsOf,
  socketOptionsOf,
  type TunnelClientOptions,
  type TunnelServerOptions,
} from './options.js';

/** -conn is a uint16 in kcptun. */
const MAX_CONN = 65535;
const MAX_SECONDS = 0x7fffffff;

/** snappy, smux and QPP as both ends stack them. */
function muxOptionsOf(r: OptionReader, log: Logger): MuxOptions {
  const s = smuxFieldsOf(r);
  const smux: SmuxConfig = {
    version: s.smuxVer as 1 | 2,
    keepAliveInterval: s.keepAlive * 1000,
    keepAliveTimeout: SMUX_KEEPALIVE_TIMEOUT_SECONDS * 1000,
    maxFrameSize: s.frameSize,
    maxReceiveBuffer: s.smuxBuf,
    maxStreamBuffer: s.streamBuf,
  };
  const options: MuxOptions = { noComp: r.bool('noComp'), smux };
  if (r.bool('qpp')) {
    const key = r.required('key');
    const count = r.int('qppCount', 1, MAX_SECONDS);
    let warnings: string[];
    try {
      warnings = validateQppParams(key, count);
    } catch (err) {
      r.fail('qppCount', (err as Error).message.replace(/^-QPPCount /, ''));
    }
    for (const w of warnings) log(w);
    const seed = Buffer.from(key, 'utf8');
    options.qpp = { pads: new QppPads(seed, count), seed };
  }
  return options;
}

/** A TCP endpoint host:port, or a unix socket path (kcptun's rule: anything that is not host:port). */
function endpointOf(r: OptionReader, name: string, anyPort: boolean): StreamEndpoint {
  const value = r.required(name);
  if (isUnixPath(value)) return { path: value };
  const { host, minPort } = hostPortsOf(value, name, r.what, { range: false, anyPort });
  return { host, port: minPort };
}

/**
 * kcptun-client as an object: `await client.start()` accepts TCP on localAddr (resolving with the bound
 * address) and carries each connection as a smux stream to remoteAddr; `client.close()` stops it.
 */
export function createTunnelClient(options: TunnelClientOptions): TunnelClient {
  const what = 'createTunnelClient';
  const r = new OptionReader(checkOptions(options, OPTION_NAMES.tunnelClient, what), 'client', what);
  const log = loggerOf(r);
  const listen = endpointOf(r, 'localAddr', true);
  const remote = hostPortsOf(r.required('remoteAddr'), 'remoteAddr', what, { range: true, anyPort: false });
  const mux = muxOptionsOf(r, log);
  const session = { ...sessionOptionsOf(r), ...socketOptionsOf(r), warn: log };
  const auto = session.auto !== undefined;
  return new TunnelClient({
    ...mux,
    listen,
    remote,
    // as the CLI's -mode auto: two sessions unless conn is given, new streams on the least loaded
    conn: r.has('conn') || !auto ? r.int('conn', 1, MAX_CONN) : AUTO_CONN,
    placement: auto ? 'least-loaded' : 'round-robin',
    autoExpireSeconds: r.int('autoExpire', 0, MAX_SECONDS),
    scavengeTtlSeconds: r.int('scavengeTtl', 0, MAX_SECONDS),
    closeWaitSeconds: r.int('closeWait', 0, MAX_SECONDS),
    quiet: r.bool('quiet'),
    session,
    log,
  });
}

/**
 * kcptun-server as an object: `await server.start()` accepts KCP sessions on listen (resolving with the
 * bound ports) and connects each stream to target; `server.close()` stops it and its sessions.
 */
export function createTunnelServer(options: TunnelServerOptions): TunnelServer {
  const what = 'createTunnelServer';
  const r = new OptionReader(checkOptions(options, OPTION_NAMES.tunnelServer, what), 'server', what);
  const log = loggerOf(r);
  const listen = hostPortsOf(r.required('listen'), 'listen', what, { range: true, anyPort: true });
  const target = endpointOf(r, 'target', false);
  const mux = muxOptionsOf(r, log);
  const { sockbuf, dscp } = socketOptionsOf(r);
  return new TunnelServer({
    ...mux,
    listen,
    target,
    closeWaitSeconds: r.int('closeWait', 0, MAX_SECONDS),
    quiet: r.bool('quiet'),
    dscp,
    session: { ...sessionOptionsOf(r), sockbuf, maxSessions: DEFAULT_MAX_SESSIONS, log },
    log,
  });
}
