/**
 * What the first bytes of a session say when they are refused. kcptun has no handshake: two ends that
 * disagree on -nocomp or -smuxver only find out when the first frame arrives and does not parse, and the
 * parser's own complaint ("invalid protocol version 255") names the symptom, not the setting. The one
 * place that reads those bytes and names the setting is here; the frame readers only hand them over
 * (SmuxError.firstBytes, SnappyFramingError.firstBytes).
 */

import { CHUNK_TYPE_STREAM_IDENTIFIER, STREAM_IDENTIFIER_BODY } from '../compress/framing.js';
import { SnappyFramingError } from '../compress/index.js';
import { CMD_UPD } from '../smux/frame.js';
import { SmuxError } from '../smux/index.js';

/** The smux versions there are; a first byte outside them is not a smux frame. */
const SMUX_VERSIONS = [1, 2];

export type SessionStartMismatch =
  /** Snappy framing (its stream identifier chunk) arrived where smux frames were expected. */
  | { readonly setting: 'nocomp'; readonly found: 'snappy' }
  /** A smux frame arrived where snappy framing was expected. */
  | { readonly setting: 'nocomp'; readonly found: 'smux'; readonly version: number }
  /** A smux frame of the other version. */
  | {
      readonly setting: 'smuxver';
      readonly found: 'smux';
      readonly version: number;
      readonly expected: number;
    };

/** A smux frame header's first two bytes: a known version and command. */
function looksLikeSmuxFrame(b: Uint8Array): boolean {
  return b.length >= 2 && SMUX_VERSIONS.includes(b[0]) && b[1] <= CMD_UPD;
}

/** The snappy stream identifier chunk's header and the start of its body ("sNaP..."). */
function looksLikeSnappyIdentifier(b: Uint8Array): boolean {
  if (b.length < 4 || b[0] !== CHUNK_TYPE_STREAM_IDENTIFIER || b[1] !== STREAM_IDENTIFIER_BODY.length)
    return false;
  for (let i = 4; i < b.length && i - 4 < STREAM_IDENTIFIER_BODY.length; i++) {
    if (b[i] !== STREAM_IDENTIFIER_BODY[i - 4]) return false;
  }
  return b[2] === 0 && b[3] === 0;
}

/**
 * The setting the peers differ in, read from the error that closed a session (null when the error is not
 * about the session's first bytes, or they say nothing recognisable). `smuxVersion` is this end's.
 */
export function readSessionStart(err: Error | undefined, smuxVersion: number): SessionStartMismatch | null {
  if (err instanceof SmuxError && err.firstBytes !== undefined) {
    const b = err.firstBytes;
    if (looksLikeSnappyIdentifier(b)) return { setting: 'nocomp', found: 'snappy' };
    if (looksLikeSmuxFrame(b) && b[0] !== smuxVersion) {
      return { setting: 'smuxver', found: 'smux', version: b[0], expected: smuxVersion };
    }
    return null;
  }
  if (err instanceof SnappyFramingError && err.firstBytes !== undefined) {
    const b = err.firstBytes;
    if (looksLikeSmuxFrame(b)) return { setting: 'nocomp', found: 'smux', version: b[0] };
  }
  return null;
}
