/**
 * A whole-buffer smux frame parser written apart from src/smux/frame-reader.ts, from smux's header rules
 * (version byte, SYN/FIN/NOP empty, UPD v2-only with 8 bytes, commands 0-4), to check what the incremental
 * reader and the session did with random input: which frames came out, whether and why it failed, and how
 * many bytes were left over.
 */

export interface OracleFrame {
  cmd: number;
  sid: number;
  payload: Buffer;
}

/** What the first bad header breaks: a name, and a pattern the reader's error message must match. */
export interface OracleError {
  kind: 'version' | 'control length' | 'UPD on v1' | 'UPD length' | 'command';
  message: RegExp;
}

export interface OracleResult {
  frames: OracleFrame[];
  error: OracleError | null;
  /** Bytes after the last whole frame (a header or payload still incomplete); 0 after an error. */
  rest: number;
}

const HEADER = 8;
const SYN = 0;
const FIN = 1;
const PSH = 2;
const NOP = 3;
const UPD = 4;

function headerProblem(version: number, v: number, cmd: number, length: number): OracleError | null {
  if (v !== version) return { kind: 'version', message: new RegExp(`invalid protocol version ${v}\\b`) };
  if (cmd === SYN || cmd === FIN || cmd === NOP) {
    return length === 0 ? null : { kind: 'control length', message: /frame with non-zero length/ };
  }
  if (cmd === PSH) return null;
  if (cmd === UPD) {
    if (version !== 2) return { kind: 'UPD on v1', message: /UPD frame on a version 1 session/ };
    return length === 8 ? null : { kind: 'UPD length', message: /UPD frame with length/ };
  }
  return { kind: 'command', message: new RegExp(`unknown command ${cmd}\\b`) };
}

export function referenceParse(data: Buffer, version: number): OracleResult {
  const frames: OracleFrame[] = [];
  let at = 0;
  while (data.length - at >= HEADER) {
    const cmd = data[at + 1];
    const length = data.readUInt16LE(at + 2);
    const error = headerProblem(version, data[at], cmd, length);
    if (error !== null) return { frames, error, rest: 0 };
    if (data.length - at - HEADER < length) break;
    frames.push({
      cmd,
      sid: data.readUInt32LE(at + 4),
      payload: data.subarray(at + HEADER, at + HEADER + length),
    });
    at += HEADER + length;
  }
  return { frames, error: null, rest: data.length - at };
}

/**
 * Seeded random frames, each of them wrong now and then (version, command, length), followed by random
 * bytes: a round yields a few good frames, then an error or an incomplete tail.
 */
export function plausibleGarbage(rand: () => number, version: number, maxLength: number): Buffer {
  const data = Buffer.alloc(rand() % maxLength);
  for (let i = 0; i < data.length; i++) data[i] = rand() & 0xff;
  let at = 0;
  while (at + HEADER <= data.length) {
    const cmd = rand() % 32 === 0 ? 5 + (rand() % 251) : [SYN, SYN, FIN, PSH, PSH, PSH, NOP, UPD][rand() % 8];
    let length = cmd === PSH ? rand() % 48 : cmd === UPD ? 8 : 0;
    if (rand() % 24 === 0) length = rand() % 16;
    data[at] = rand() % 32 === 0 ? rand() & 0xff : version;
    data[at + 1] = cmd;
    data.writeUInt16LE(length, at + 2);
    data.writeUInt32LE(rand() % 4, at + 4);
    at += HEADER + length;
  }
  return data;
}

/** A linear congruential generator: reproducible input without a dependency. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state >>> 8;
  };
}
