import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BenchTarget, header, Mode } from './target.js';
import {
  connect,
  type Payload,
  receiptError,
  receiveChecked,
  TIMED_OUT,
  type TransferResult,
  timedResult,
  unlessAborted,
} from './transfer.js';

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
  const result = timedResult('up', bytes);
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
    const error = receiptError(await unlessAborted(expected.receipt, signal), payload);
    return error === null ? result(true) : result(false, error);
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
  const result = timedResult('down', bytes);
  try {
    socket = await connect(port, signal);
    const s = socket;
    let resumeTimer: NodeJS.Timeout | undefined;
    const received = receiveChecked(s, payload, (got) => {
      const aheadMs = (got * MS_PER_SEC) / bytesPerSec - (performance.now() - start);
      if (aheadMs > PACE_TICK_MS) {
        s.pause();
        resumeTimer = setTimeout(() => s.resume(), aheadMs);
      }
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
