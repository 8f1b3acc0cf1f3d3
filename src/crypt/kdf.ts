import { pbkdf2Sync } from 'node:crypto';

/** kcptun's fixed PBKDF2 salt (K21 and latest `SALT`). */
const KDF_SALT = 'kcp-go';
const KDF_ITERATIONS = 4096;
/** Length of the derived key; every cipher takes its key as a prefix of it. */
export const DERIVED_KEY_SIZE = 32;

/**
 * The 32-byte key every kcptun cipher is built from: PBKDF2-HMAC-SHA1 over the UTF-8 bytes of `-key`.
 * Deliberately slow (4096 iterations); call it once per process, not per session.
 */
export function deriveKey(password: string): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), KDF_SALT, KDF_ITERATIONS, DERIVED_KEY_SIZE, 'sha1');
}
