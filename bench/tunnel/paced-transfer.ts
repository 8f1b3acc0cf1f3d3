import { createHash } from 'node:crypto';
import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BenchTarget, header, Mode } from './target.js';
import { connect, type Payload, TIMED_OUT, type TransferResult, unlessAborted } from './transfer.js';

/** How often a paced writer tops its socket up to the bytes due by then. */
const PACE_TICK_MS = 20;
const MS_PER_SEC = 1000;

/** Bytes a transfer at `bytesPerSec` may have moved `sinceMs` after its start, plus one tick's worth. */
function due(bytesPerSec: number, sinceMs: number): number {
  return Math.floor((bytesPerSec * (sinceMs + PACE_TICK_MS)) / MS_PER_SEC);
}

/**
 * Like transfer.ts's upload, at no more than `bytesPerSec`: the payload is written as it falls due, and the
 * sink's sha256 is checked. Never rejects: failures are results.
 */
export async function pacedUpload(
  port: number,
  target: BenchTarget,
  payload: Payload,
  bytesPerSec: number,
  signal: AbortSignal,
): Promise<TransferResult> {
  const bytes = payload.data.length;
  const expected = target.expectUpload();
  let socket: net.Socket | undefined;
  const start = performance.now();
  const result = (ok: boolean, error?: string): TransferResult => ({
    direction: 'up',
    bytes,
    seconds: (performance.now() - start) / MS_PER_SEC,
    ok,
    error,
  });
  try {
    socket = await connect(port, signal);
    socket.write(header(Mode.Upload, expected.id, bytes));
    let sent = 0;
    while (sent < bytes) {
      if (signal.aborted) return result(false, TIMED_OUT);
      const upTo = Math.min(bytes, due(bytesPerSec, performance.now() - start));
      // Backpressure from the tunnel is obeyed by waiting a tick: the tunnel, not this writer, queues.
      if (upTo > sent && socket.writableLength === 0) {
        socket.write(payload.data.subarray(sent, upTo));
        sent = upTo;
      }
      await sleep(PACE_TICK_MS);
    }
    const outcome = await unlessAborted(expected.receipt, signal);
    if (outcome === TIMED_OUT) return result(false, outcome);
    if (!outcome.complete) return result(false, `sink got ${outcome.bytes} of ${bytes} bytes`);
    if (outcome.sha256 !== payload.sha256) return result(false, 'sha256 of the received bytes differs');
    return result(true);
  } catch (err) {
    return result(false, (err as Error).message);
  } finally {
    expected.cancel();
    socket?.destroy();
  }
}

/**
 * Like transfer.ts's download, read at no more than `bytesPerSec`: the socket is paused while ahead of the
 * rate, so the tunnel holds the rest (its windows fill and its sender waits). Never rejects.
 */
export async function pacedDownload(
  port: number,
  payload: Payload,
  bytesPerSec: number,
  signal: AbortSignal,
): Promise<TransferResult> {
  const bytes = payload.data.length;
  let socket: net.Socket | undefined;
  const start = performance.now();
  const result = (ok: boolean, error?: string): TransferResult => ({
    direction: 'down',
    bytes,
    seconds: (performance.now() - start) / MS_PER_SEC,
    ok,
    error,
  });
  try {
    socket = await connect(port, signal);
    const s = socket;
    let resumeTimer: NodeJS.Timeout | undefined;
    const received = new Promise<string | null>((resolve) => {
      const hash = createHash('sha256');
      let got = 0;
      s.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got > bytes) {
          resolve(`received more than ${bytes} bytes`);
          return;
        }
        hash.update(chunk);
        if (got === bytes) {
          resolve(hash.digest('hex') === payload.sha256 ? null : 'sha256 of the received bytes differs');
          return;
        }
        const aheadMs = (got * MS_PER_SEC) / bytesPerSec - (performance.now() - start);
        if (aheadMs > PACE_TICK_MS) {
          s.pause();
          resumeTimer = setTimeout(() => s.resume(), aheadMs);
        }
      });
      s.on('close', () => resolve(`connection closed after ${got} of ${bytes} bytes`));
    });
    s.write(header(Mode.Download, 0, bytes));
    const error = await unlessAborted(received, signal);
    clearTimeout(resumeTimer);
    return error === null ? result(true) : result(false, error);
  } catch (err) {
    return result(false, (err as Error).message);
  } finally {
    socket?.destroy();
  }
}
