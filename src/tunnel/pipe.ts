import net from 'node:net';
import type { Duplex } from 'node:stream';
import { SMALL_REQUEST_BYTES } from '../smux/index.js';
import { holdUntilDelivered, isHeld } from './delivery-hold.js';

/**
 * How many bytes a destination may hold (corked, or waiting for the kernel) before its source is paused.
 * One KCP receive batch (mmsg-io's 64 datagrams of up to ~1.4 KB) delivers up to about 88 KiB of smux
 * payload to a stream in one go; 128 KiB lets that go to the local socket as one writev instead of one
 * write per smux frame (the brief's benchmark: 108 k write calls before, 23 k after, and a quarter fewer
 * context switches; docs/bench-tunnel-cpu-2026-12-02-2.md), while a reader that stops still stops the
 * source, and so the smux window updates, after 128 KiB.
 */
export const WRITE_BATCH_LIMIT = 128 * 1024;

/**
 * How long (ms) a socket whose FIN went out stays open for its peer to read what the kernel still holds and
 * close its own side, before it is closed anyway. Closed at once, the socket became an orphan still holding
 * the tail of the stream, and the kernel resets an orphan (purging that tail) when a byte arrives for it or
 * when TCP memory runs short; a Node reader then sees a clean end after a short stream, not an error
 * (docs/stream-truncation-2026-12-07-trunc37.md). 30 s: kcptun's server -closewait default, the wait it
 * already gives a half-closed connection; Linux keeps an orphan's FIN_WAIT2 for 60 s (tcp_fin_timeout).
 */
export const LINGER_MS = 30_000;

/**
 * Whether `s` is a socket over the kernel's TCP (or a unix socket), whose FIN is only delivered once its
 * peer has read everything before it: it lingers after a graceful end. A smux stream hands its data and FIN
 * to KCP, which delivers them whether the stream is destroyed or not: it does not.
 */
function lingers(s: Duplex): boolean {
  return s instanceof net.Socket;
}

/** Whether dst writes several buffered chunks in one call (net.Socket's writev); a SmuxStream does not. */
function gathersWrites(dst: Duplex): boolean {
  return typeof (dst as { _writev?: unknown })._writev === 'function';
}

/** What copyCorked has done with dst in the present tick: nothing yet, one chunk written at once, corked. */
const TICK_IDLE = 0;
const TICK_WROTE_AT_ONCE = 1;
const TICK_CORKED = 2;

/**
 * Copy src to dst like Readable#pipe (without ending dst). A dst that gathers writes is corked over
 * everything src delivers in one tick of the event loop, so the chunks go out in one writev, and src is
 * paused once a write is refused and dst holds WRITE_BATCH_LIMIT bytes or more. A tick's first chunk of at
 * most SMALL_REQUEST_BYTES to a dst with nothing queued is written at once instead, and only what follows it
 * in the tick is corked: a request or a response (one small chunk per tick) otherwise waited for the tick's
 * end, behind the rest of the receive callback (its sends) and the bulk streams' writevs, 27-62 µs p50 and
 * 107-148 µs p90 at each end under load (docs/bench-tunnel-latency-2026-12-04.md), while a bulk stream's
 * chunks are larger and still go out in one writev per tick. Any other dst (the smux stream, which gains
 * nothing from a batch) pauses src as soon as a write is refused, as pipe does, so an upload buffers no more
 * than before. src resumes on dst's 'drain', which a refused write guarantees. Returns the function that
 * stops the copy.
 */
function copyCorked(src: Duplex, dst: Duplex): () => void {
  const batches = gathersWrites(dst);
  const pauseAt = batches ? WRITE_BATCH_LIMIT : 0;
  let tick = TICK_IDLE;
  const endTick = (): void => {
    const corked = tick === TICK_CORKED;
    tick = TICK_IDLE;
    if (corked) dst.uncork();
  };
  const onData = (chunk: Buffer): void => {
    if (batches && tick !== TICK_CORKED) {
      if (tick === TICK_IDLE) process.nextTick(endTick);
      if (tick === TICK_IDLE && chunk.length <= SMALL_REQUEST_BYTES && dst.writableLength === 0) {
        tick = TICK_WROTE_AT_ONCE;
      } else {
        tick = TICK_CORKED;
        dst.cork();
      }
    }
    if (!dst.write(chunk) && dst.writableLength >= pauseAt) src.pause();
  };
  const onDrain = (): void => {
    src.resume();
  };
  src.on('data', onData);
  dst.on('drain', onDrain);
  if (!dst.writableNeedDrain) src.resume();
  return () => {
    src.off('data', onData);
    dst.off('drain', onDrain);
  };
}

/** Copies src to dst until the function it returns is called. */
export type Copier = (src: Duplex, dst: Duplex) => () => void;

/**
 * Which end of a connection the pair's TCP socket is, which decides how a socket whose application
 * half-closed is ended when the pair is cut short (endSide). 'application': the client's accepted
 * connection, whose application half-closes after its request or upload to wait for the answer (`nc -N`,
 * an HTTP/1.0 client, `shutdown(SHUT_WR)`): until it has our FIN its read side still waits on the tunnel,
 * and a clean end there would pass for a complete (or empty) answer. 'target': the server's connection to
 * its target, which half-closes once it has answered: it has done its part, and a reset would only make
 * it report an error (the README's library example died of it in CI when the server stopped before the
 * client's FIN reached it; docs/stream-reset-2026-12-08-reset39.md).
 */
export type SocketEnd = 'application' | 'target';

/**
 * End the pair's side `s` when the pair is torn down. `abrupt`: data may be missing either way (an error, a
 * side closed before its FIN went out: its session died, its application reset, the tunnel stopped), and a
 * TCP socket we have not given its FIN is reset, so that its application reads ECONNRESET instead of a
 * clean end after a short stream (smux has no reset: a stream gets its FIN, as before): an application's
 * connection whatever it did with its own side, a target's only while neither of its directions has
 * ended (SocketEnd). A socket we gave its FIN is not: everything toward its application is complete, and
 * a reset would drop what the kernel still holds of it (nor can it be reset while that FIN is pending:
 * libuv refuses a reset with a shutdown in progress, UV_EINVAL, and Node then leaves the handle open: a
 * test process hung). A socket whose FIN went out while its peer is still open is held open until the
 * peer acknowledged that FIN (holdUntilDelivered), `holdMs` at most (docs/stream-reset-2026-12-07-reset38.md).
 */
function endSide(s: Duplex, abrupt: boolean, holdMs: number, end: SocketEnd): void {
  if (s.destroyed) return;
  if (!(s instanceof net.Socket)) {
    s.destroy();
    return;
  }
  // a socket held after its FIN as Node would have closed it (holdWhenNodeCloses) is the hold's to close
  if (isHeld(s)) return;
  if (abrupt && !s.writableEnded && (end === 'application' || !s.readableEnded)) {
    resetSocket(s);
    return;
  }
  if (holdMs > 0 && s.writableFinished && !s.readableEnded && holdUntilDelivered(s, holdMs)) return;
  s.destroy();
}

/**
 * Reset a TCP socket (RST); a unix socket has no reset and is closed. Also for a connection the client
 * accepted and closes without a stream (client.ts): cut short like any other.
 */
export function resetSocket(s: net.Socket): void {
  try {
    s.resetAndDestroy();
  } catch {
    s.destroy(); // ERR_INVALID_HANDLE_TYPE: not a TCP handle
  }
}

/**
 * Node closes a socket itself once both its directions ended (autoDestroy), at its 'finish' after its
 * 'end' or at its 'end' after its 'finish'; its FIN may not be delivered yet (a peer that half-closed first
 * and reads late): hold the socket then, LINGER_MS at most. The listeners run before Node's close.
 */
function holdWhenNodeCloses(s: Duplex): void {
  if (!(s instanceof net.Socket)) return;
  s.once('finish', () => {
    if (s.readableEnded) holdUntilDelivered(s, LINGER_MS);
  });
  s.once('end', () => {
    if (s.writableFinished) holdUntilDelivered(s, LINGER_MS);
  });
}

/**
 * Copy both ways between a local socket and a smux stream, with backpressure (copyCorked), until one direction
 * ends. Then, like kcptun: with closeWait 0 both sides are closed at once (an EOF either way closes the
 * pair); with closeWait > 0 the ended direction is half-closed and the pair is closed after closeWait
 * seconds, or as soon as the other direction ends too. Closing is graceful: what was already read is
 * written out before the FIN, and a socket whose peer is still open then waits for the peer to close
 * (LINGER_MS at most) before the pair is torn down, and held open until its FIN is acknowledged. An
 * error, or a side closing before its FIN went out, tears both down at once and resets the TCP sockets
 * (endSide), by `socketEnd`'s rule. `copyBtoA` replaces copyCorked from b to a: the tunnel's sockets
 * read through their own `onread` (socket-read.ts).
 */
export function pipeBoth(
  a: Duplex,
  b: Duplex,
  closeWaitSeconds: number,
  onDone: (err?: Error) => void,
  copyBtoA: Copier = copyCorked,
  socketEnd: SocketEnd = 'target',
): void {
  let state: 'open' | 'closing' | 'done' = 'open';
  let ended = 0;
  let flushing = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopAtoB: () => void = () => {};
  let stopBtoA: () => void = () => {};
  const stopCopying = (): void => {
    stopAtoB();
    stopBtoA();
  };

  /** `abrupt`: see endSide; `err`: the error that tore the pair down, if one did (onDone reports it). */
  const teardown = (abrupt: boolean, err?: Error, holdMs = LINGER_MS): void => {
    if (state === 'done') return;
    state = 'done';
    if (timer) clearTimeout(timer);
    stopCopying();
    endSide(a, abrupt, holdMs, socketEnd);
    endSide(b, abrupt, holdMs, socketEnd);
    onDone(err instanceof Error ? err : undefined);
  };
  const onError = (err: Error): void => teardown(true, err);

  /**
   * `linger`: a socket whose peer has not ended yet stays open after its FIN until the peer closes too
   * (LINGER_MS at most), reading and dropping what the peer still sends, since an unread byte at close
   * turns the FIN into a reset. Not after closeWait, which was that wait already.
   */
  const closeGracefully = (linger: boolean): void => {
    if (state !== 'open') return;
    state = 'closing';
    if (timer) clearTimeout(timer);
    stopCopying();
    for (const s of [a, b]) {
      if (s.writableFinished || s.destroyed) continue;
      flushing++;
      // Either the FIN went out after everything queued ('finish'), or the side is gone ('close').
      let settled = false;
      let lingering: NodeJS.Timeout | null = null;
      const settle = (holdMs = LINGER_MS): void => {
        if (settled) return;
        settled = true;
        if (lingering) clearTimeout(lingering);
        if (--flushing === 0) teardown(false, undefined, holdMs);
      };
      // every teardown destroys the side, so 'close' comes and clears the linger; a side gone before its
      // FIN went out (its session died, its application reset) lost data: abrupt
      s.once('close', () => {
        if (s.writableFinished) settle();
        else teardown(true);
      });
      if (linger && lingers(s) && !s.readableEnded) {
        s.once('finish', () => {
          // the peer's FIN came meanwhile: Node closes the socket now (autoDestroy)
          if (s.readableEnded) {
            settle();
            return;
          }
          // then the peer's FIN ends the pair (Node would close the socket right after 'end'), or LINGER_MS
          // does, with no more wait
          s.once('end', () => settle());
          lingering = setTimeout(() => settle(0), LINGER_MS);
          lingering.unref();
        });
        s.resume();
      } else {
        s.once('finish', () => settle());
      }
      s.end();
    }
    if (flushing === 0) teardown(false);
  };

  const onEnd = (dst: Duplex) => (): void => {
    if (state !== 'open') return;
    ended++;
    if (closeWaitSeconds <= 0 || ended === 2) {
      closeGracefully(true);
      return;
    }
    dst.end();
    timer = setTimeout(() => closeGracefully(false), closeWaitSeconds * 1000);
  };

  // A side closing while open before both its directions ended (its peer's FIN read, its own FIN out) was
  // reset or destroyed (its session died): abrupt. While closing, the graceful path above settles each side.
  const onClose = (s: Duplex) => (): void => {
    if (state === 'open' && !(s.readableEnded && s.writableFinished)) teardown(true);
  };

  holdWhenNodeCloses(a);
  holdWhenNodeCloses(b);
  a.on('end', onEnd(b));
  b.on('end', onEnd(a));
  a.on('error', onError);
  b.on('error', onError);
  a.on('close', onClose(a));
  b.on('close', onClose(b));
  stopAtoB = copyCorked(a, b);
  stopBtoA = copyBtoA(b, a);
}
