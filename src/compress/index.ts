/** kcptun's compression layer: the snappy framing stream between KCP and smux (absent with -nocomp). */

export { SnappyFramingError, type SnappyFramingErrorCode } from './frame-reader.js';
export { SnappyConnection } from './snappy-connection.js';
