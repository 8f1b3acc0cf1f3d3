/**
 * smux frame layout: ver(1) cmd(1) length(u16 LE) sid(u32 LE), then `length` payload bytes.
 * Every encoder returns one freshly allocated Buffer holding a complete frame, because the layers
 * below (KCP, snappy) treat each write() as one unit, exactly like Go smux's one Write per frame; a PSH to
 * a connection with writeParts (the KCP session) goes as header and payload in one call instead
 * (writeDataHeader, FrameSplit in frame-writer.ts).
 */

export const HEADER_SIZE = 8;

export const CMD_SYN = 0;
export const CMD_FIN = 1;
export const CMD_PSH = 2;
export const CMD_NOP = 3;
/** v2 only: window update, payload consumed(u32 LE) window(u32 LE). */
export const CMD_UPD = 4;

export const UPD_PAYLOAD_SIZE = 8;

/** The window a v2 sender assumes before the peer's first UPD. */
export const INITIAL_PEER_WINDOW = 262144;

const COMMAND_NAMES = ['SYN', 'FIN', 'PSH', 'NOP', 'UPD'];

export function commandName(cmd: number): string {
  return COMMAND_NAMES[cmd] ?? `cmd ${cmd}`;
}

function writeHeader(frame: Buffer, version: number, cmd: number, length: number, sid: number): void {
  frame[0] = version;
  frame[1] = cmd;
  frame.writeUInt16LE(length, 2);
  frame.writeUInt32LE(sid >>> 0, 4);
}

/** SYN, FIN or NOP: a bare header. */
export function encodeControlFrame(version: number, cmd: number, sid: number): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_SIZE);
  writeHeader(frame, version, cmd, 0, sid);
  return frame;
}

export function encodeUpdFrame(version: number, sid: number, consumed: number, window: number): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_SIZE + UPD_PAYLOAD_SIZE);
  writeHeader(frame, version, CMD_UPD, UPD_PAYLOAD_SIZE, sid);
  frame.writeUInt32LE(consumed >>> 0, HEADER_SIZE);
  frame.writeUInt32LE(window >>> 0, HEADER_SIZE + 4);
  return frame;
}

/** The header of a PSH of `length` payload bytes, written into `header` (HEADER_SIZE bytes). */
export function writeDataHeader(header: Buffer, version: number, sid: number, length: number): void {
  writeHeader(header, version, CMD_PSH, length, sid);
}

/** A PSH carrying `source[start, end)`; the caller keeps end - start within the u16 length. */
export function encodeDataFrame(
  version: number,
  sid: number,
  source: Buffer,
  start: number,
  end: number,
): Buffer {
  const length = end - start;
  const frame = Buffer.allocUnsafe(HEADER_SIZE + length);
  writeHeader(frame, version, CMD_PSH, length, sid);
  source.copy(frame, HEADER_SIZE, start, end);
  return frame;
}
