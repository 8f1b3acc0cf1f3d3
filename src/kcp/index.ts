/** The KCP layer: kcp-go v5.6.1's ARQ state machine and its segment codec. */
export * from './congestion/index.js';
export * from './constants.js';
export {
  KCP_INPUT_BAD_CMD,
  KCP_INPUT_CONV_MISMATCH,
  KCP_INPUT_OK,
  KCP_INPUT_SHORT,
  Kcp,
  type KcpInputOptions,
  type KcpOutput,
  type KcpPacingGate,
  type KcpSendTrace,
  type NewDataLimit,
  SEND_COPY,
  SEND_EARLY,
  SEND_FAST,
  SEND_FLIGHT_COPY,
  SEND_NEW,
  SEND_TIMEOUT,
} from './kcp.js';
export { RtoEstimator } from './rto-estimator.js';
export {
  createSegmentHeader,
  readSegmentHeader,
  readU32LE,
  type SegmentHeader,
  writeSegmentHeader,
  writeU32LE,
} from './segment-header.js';
export { timeDiff } from './time-diff.js';
