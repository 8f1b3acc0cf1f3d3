/** smux session parameters; the flag named in each comment is the kcptun option that sets it. */
export interface SmuxConfig {
  /** Protocol version, 1 or 2 (-smuxver). Both ends must agree: the version byte of every frame is checked. */
  version: 1 | 2;
  /** Send a NOP this often, in ms (-keepalive, in seconds there). */
  keepAliveInterval: number;
  /** Close the session when nothing arrived for this long, in ms (fixed 30 s in kcptun). */
  keepAliveTimeout: number;
  /** Largest PSH payload this end sends (-framesize; fixed 32768 in kcptun 20210922). */
  maxFrameSize: number;
  /** Session-wide budget of received but unread bytes (-smuxbuf). */
  maxReceiveBuffer: number;
  /** v2 per-stream receive window advertised to the peer (-streambuf). */
  maxStreamBuffer: number;
}

/** Largest value of the u16 length field. */
export const MAX_FRAME_SIZE_LIMIT = 65535;
const MAX_INT32 = 0x7fffffff;

/** kcptun 20210922's settings: smux v1, 10 s keepalive, 30 s timeout, 32 KiB frames, 4 MiB / 2 MiB buffers. */
export function defaultSmuxConfig(): SmuxConfig {
  return {
    version: 1,
    keepAliveInterval: 10_000,
    keepAliveTimeout: 30_000,
    maxFrameSize: 32768,
    maxReceiveBuffer: 4194304,
    maxStreamBuffer: 2097152,
  };
}

function isPositiveInteger(n: number): boolean {
  return Number.isInteger(n) && n > 0;
}

/** Throws an Error naming the kcptun flag when `c` is not usable (the checks of smux's VerifyConfig). */
export function verifyConfig(c: SmuxConfig): void {
  if (c.version !== 1 && c.version !== 2) {
    throw new Error(`smux: unsupported protocol version ${c.version} (-smuxver must be 1 or 2)`);
  }
  if (!(c.keepAliveInterval > 0) || !Number.isFinite(c.keepAliveInterval)) {
    throw new Error(`smux: keep-alive interval must be positive (-keepalive), got ${c.keepAliveInterval} ms`);
  }
  if (!(c.keepAliveTimeout >= c.keepAliveInterval) || !Number.isFinite(c.keepAliveTimeout)) {
    throw new Error(
      `smux: keep-alive timeout (${c.keepAliveTimeout} ms) must not be shorter than the keep-alive interval ` +
        `(-keepalive, ${c.keepAliveInterval} ms)`,
    );
  }
  if (!isPositiveInteger(c.maxFrameSize)) {
    throw new Error(`smux: max frame size must be a positive integer (-framesize), got ${c.maxFrameSize}`);
  }
  if (c.maxFrameSize > MAX_FRAME_SIZE_LIMIT) {
    throw new Error(
      `smux: max frame size must not be larger than ${MAX_FRAME_SIZE_LIMIT} (-framesize), got ${c.maxFrameSize}`,
    );
  }
  if (!isPositiveInteger(c.maxReceiveBuffer) || c.maxReceiveBuffer > MAX_INT32) {
    throw new Error(
      `smux: max receive buffer must be an integer in 1..${MAX_INT32} (-smuxbuf), got ${c.maxReceiveBuffer}`,
    );
  }
  if (!isPositiveInteger(c.maxStreamBuffer) || c.maxStreamBuffer > MAX_INT32) {
    throw new Error(
      `smux: max stream buffer must be an integer in 1..${MAX_INT32} (-streambuf), got ${c.maxStreamBuffer}`,
    );
  }
  if (c.maxStreamBuffer > c.maxReceiveBuffer) {
    throw new Error(
      `smux: max stream buffer (-streambuf ${c.maxStreamBuffer}) must not be larger than ` +
        `max receive buffer (-smuxbuf ${c.maxReceiveBuffer})`,
    );
  }
}
