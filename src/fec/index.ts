/** The FEC layer's public surface for the transport. */
export {
  CONFIRM_GROUPS,
  createFallbackFecDecoder,
  FEC_EXPIRE_MS,
  FecDecoder,
  RX_FEC_MULTI,
} from './decoder.js';
export { FecEncoder } from './encoder.js';
export {
  FEC_HEADER_SIZE,
  FEC_HEADER_SIZE_PLUS2,
  FEC_TYPE_DATA,
  FEC_TYPE_OOB,
  FEC_TYPE_PARITY,
  fecEnabled,
  fecPaws,
  fecType,
  isFecShard,
} from './header.js';
export { ParityTuner, type SenderLimit } from './parity-tuner.js';
export { type FecShape, PeerFecShape, PeerFecShapes, sameFecShape } from './peer-shape.js';
export { MAX_TOTAL_SHARDS, ReedSolomon, sharedReedSolomon } from './reed-solomon.js';
