/** QPP (Quantum Permutation Pad), latest kcptun's optional per-stream cipher (docs/protocol.md §9). */
export { QppCipher } from './cipher.js';
export { QPP_MAX_PADS, QPP_PAD_SIZE, QppPads, type QppVariant } from './pads.js';
export { QPP_MIN_KEY_BYTES, QPP_MIN_PADS, validateQppParams } from './params.js';
export { QppPrng } from './prng.js';
