import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { type BenchTarget, header, Mode, type UploadReceipt } from './target.js';

/** Random, hence incompressible, data with its digest computed once. */
export interface Payload {
  data: Buffer;
  sha256: string;
}

export function makePayload(bytes: number): Payload {
  const data = randomBytes(bytes);
  return { data, sha256: createHash('sha256').update(data).digest('hex') };
}

/** The first `bytes` of `payload`: what the target's source sends for a download that long. */
export function prefix(payload: Payload, bytes: number): Payload {
  const data = payload.data.subarray(0, bytes);
  return { data, sha256: createHash('sha256').update(data).digest('hex') };
}

export type Direction = 'up' | 'down';

export interface TransferResult {
  direction: Direction;
  bytes: number;
  seconds: number;
  /** The bytes arrived complete and their sha256 equals that of what was sent. */
  ok: boolean;
  error?: string;
}

export function connect(port: number, signal: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const fail = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    const onAbort = (): void => fail(new Error('timed out connecting'));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', fail);
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.off('error', fail);
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

export const TIMED_OUT = 'timed out';

/** What `work` settles with, or TIMED_OUT if `signal` aborts first; no abort listener outlives it. */
export async function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | typeof TIMED_OUT> {
  // A late failure of abandoned work is no longer anyone's concern.
  work.catch(() => {});
  if (signal.aborted) return TIMED_OUT;
  let onAbort = (): void => {};
  const abort = new Promise<typeof TIMED_OUT>((resolve) => {
    onAbort = () => resolve(TIMED_OUT);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, abort]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** How one transfer ends: `result(ok, error?)` with the seconds since this was called. */
export function timedResult(
  direction: Direction,
  bytes: number,
): (ok: boolean, error?: string) => TransferResult {
  const start = performance.now();
  return (ok, error) => ({ direction, bytes, seconds: (performance.now() - start) / 1000, ok, error });
}

/** Why the sink's receipt of an upload of `payload` is not a success; null when it is. */
export function receiptError(outcome: UploadReceipt | typeof TIMED_OUT, payload: Payload): string | null {
  if (outcome === TIMED_OUT) return outcome;
  if (!outcome.complete) return `sink got ${outcome.bytes} of ${payload.data.length} bytes`;
  if (outcome.sha256 !== payload.sha256) return 'sha256 of the received bytes differs';
  return null;
}

/**
 * Hash what `socket` delivers until `payload`'s length has arrived: null when its sha256 matches, else why
 * not. `onChunk` sees the byte count after each chunk short of the end (a paced reader pauses there).
 */
export function receiveChecked(
  socket: net.Socket,
  payload: Payload,
  onChunk?: (got: number) => void,
): Promise<string | null> {
  const bytes = payload.data.length;
  return new Promise((resolve) => {
    const hash = createHash('sha256');
    let got = 0;
    socket.on('data', (chunk: Buffer) => {
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
      onChunk?.(got);
    });
    socket.on('close', () => resolve(`connection closed after ${got} of ${bytes} bytes`));
  });
}

/**
 * Send the payload through the tunnel at `port` to the sink; the time runs from the first byte written to
 * the last byte hashed by the sink. Never rejects: failures are results.
 */
export async function upload(
  port: number,
  target: BenchTarget,
  payload: Payload,
  signal: AbortSignal,
): Promise<TransferResult> {
  const bytes = payload.data.length;
  const expected = target.expectUpload();
  let socket: net.Socket | undefined;
  const result = timedResult('up', bytes);
  try {
    socket = await connect(port, signal);
    socket.write(header(Mode.Upload, expected.id, bytes));
    socket.write(payload.data);
    const error = receiptError(await unlessAborted(expected.receipt, signal), payload);
    return error === null ? result(true) : result(false, error);
  } catch (err) {
    return result(false, (err as Error).message);
  } finally {
    expected.cancel();
    socket?.destroy();
  }
}

/** Fetch the payload from the source through the tunnel at `port` and check its sha256. Never rejects. */
export async function download(port: number, payload: Payload, signal: AbortSignal): Promise<TransferResult> {
  const bytes = payload.data.length;
  let socket: net.Socket | undefined;
  const result = timedResult('down', bytes);
  try {
    socket = await connect(port, signal);
    const received = receiveChecked(socket, payload);
    socket.write(header(Mode.Download, 0, bytes));
    const error = await unlessAborted(received, signal);
    return error === null ? result(true) : result(false, error);
  } catch (err) {
    return result(false, (err as Error).message);
  } finally {
    socket?.destroy();
  }
}
