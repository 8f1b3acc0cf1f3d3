import type { Duplex } from 'node:stream';

/**
 * Copy both ways between a local socket and a smux stream, with backpressure (pipe), until one direction
 * ends. Then, like kcptun: with closeWait 0 both sides are closed at once (an EOF either way closes the
 * pair); with closeWait > 0 the ended direction is half-closed and the pair is closed after closeWait
 * seconds, or as soon as the other direction ends too. Closing is graceful: what was already read is
 * written out before the FIN. An error or an abrupt close on either side tears both down at once.
 */
export function pipeBoth(
  a: Duplex,
  b: Duplex,
  closeWaitSeconds: number,
  onDone: (err?: Error) => void,
): void {
  let state: 'open' | 'closing' | 'done' = 'open';
  let ended = 0;
  let flushing = 0;
  let timer: NodeJS.Timeout | null = null;

  /** `err`: the error that tore the pair down, if one did; onDone reports it. */
  const teardown = (err?: Error): void => {
    if (state === 'done') return;
    state = 'done';
    if (timer) clearTimeout(timer);
    a.unpipe(b);
    b.unpipe(a);
    a.destroy();
    b.destroy();
    onDone(err instanceof Error ? err : undefined);
  };

  const closeGracefully = (): void => {
    if (state !== 'open') return;
    state = 'closing';
    if (timer) clearTimeout(timer);
    a.unpipe(b);
    b.unpipe(a);
    for (const s of [a, b]) {
      if (s.writableFinished || s.destroyed) continue;
      flushing++;
      // Either the FIN went out after everything queued ('finish'), or the side is gone ('close').
      let settled = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        if (--flushing === 0) teardown();
      };
      s.once('finish', settle);
      s.once('close', settle);
      s.end();
    }
    if (flushing === 0) teardown();
  };

  const onEnd = (dst: Duplex) => (): void => {
    if (state !== 'open') return;
    ended++;
    if (closeWaitSeconds <= 0 || ended === 2) {
      closeGracefully();
      return;
    }
    dst.end();
    timer = setTimeout(closeGracefully, closeWaitSeconds * 1000);
  };

  // Closing while open is abrupt (reset, destroy) unless it is the half-close of an ended direction;
  // while closing, the graceful path above settles each side itself.
  const onClose = (s: Duplex) => (): void => {
    if (state === 'open' && !s.readableEnded) teardown();
  };

  a.on('end', onEnd(b));
  b.on('end', onEnd(a));
  a.on('error', teardown);
  b.on('error', teardown);
  a.on('close', onClose(a));
  b.on('close', onClose(b));
  a.pipe(b, { end: false });
  b.pipe(a, { end: false });
}
