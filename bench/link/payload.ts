/**
 * The benchmark's data: a pseudo-random (incompressible) byte string that every process can rebuild
 * from a fixed key, so the receiver's sha256 can be checked against any prefix without shipping it.
 */
import { createCipheriv, createHash } from 'node:crypto';

const PAYLOAD_KEY = createHash('sha256').update('kcptun-ts link benchmark payload').digest();
const PAYLOAD_IV = Buffer.alloc(16);

export function makePayload(bytes: number): Buffer {
  return createCipheriv('aes-256-ctr', PAYLOAD_KEY, PAYLOAD_IV).update(Buffer.alloc(bytes));
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
