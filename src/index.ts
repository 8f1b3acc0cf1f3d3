/**
 * kcptun-ts as a library. Each layer of the tunnel is usable on its own:
 *
 * - dial / listen: KCP sessions over UDP with kcptun's encryption, FEC and KCP settings; createSession runs
 *   one over a datagram transport of your own. A session is a ByteConnection (ordered bytes, backpressure).
 * - SmuxSession.client / .server: smux (v1, v2) over any ByteConnection, giving Node Duplex streams;
 *   SnappyConnection: kcptun's snappy framing around a ByteConnection.
 * - Kcp: the pure ARQ state machine (no sockets, no timers) for callers that bring their own clock and I/O.
 * - createPacketCrypt, deriveKey: kcptun's packet ciphers and key derivation.
 * - createTunnelClient / createTunnelServer: the two kcptun programs as objects to start() and close().
 *
 * Errors name the option (TypeError for unknown options and wrong types, RangeError for values out of
 * range). Nothing here writes to stdout or stderr: log lines go to the `logger` option when one is given.
 */

export { createSession, dial, listen, type SessionOverLinkOptions } from './api/kcp.js';
export type {
  KcpOptions,
  ListenOptions,
  Logger,
  Role,
  TunnelClientOptions,
  TunnelCommonOptions,
  TunnelServerOptions,
  UdpOptions,
} from './api/options.js';
export { createTunnelClient, createTunnelServer } from './api/tunnel.js';
export { SnappyConnection, SnappyFramingError, type SnappyFramingErrorCode } from './compress/index.js';
export { deriveKey } from './crypt/kdf.js';
export { CRYPT_METHODS, createPacketCrypt, type SelectedPacketCrypt } from './crypt/select.js';
export type { PacketCrypt } from './crypt/types.js';
export { Kcp, type KcpOutput } from './kcp/index.js';
export {
  defaultSmuxConfig,
  type SmuxConfig,
  SmuxError,
  type SmuxErrorCode,
  SmuxSession,
  type SmuxSessionEvents,
  SmuxStream,
} from './smux/index.js';
export type { ByteConnection, ByteSink } from './transport/conn.js';
export type { KcpListener } from './transport/listener.js';
export { Scheduler, type SchedulerOptions } from './transport/scheduler.js';
export type { DatagramLink, KcpSession } from './transport/session.js';
export type { TunnelClient } from './tunnel/client.js';
export type { TunnelServer } from './tunnel/server.js';
