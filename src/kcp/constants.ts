/**
 * KCP protocol constants as kcp-go v5.6.1 defines them (docs/protocol.md §4.2). Times are milliseconds, windows are
 * counted in segments.
 */

/** Bytes of a segment header; also the smallest datagram KCP accepts. */
export const KCP_OVERHEAD = 24;

/** Segment commands (header byte 4). */
export const KCP_CMD_PUSH = 81;
export const KCP_CMD_ACK = 82;
/** Window probe: "tell me your window". */
export const KCP_CMD_WASK = 83;
/** Window size tell: the header's wnd field is the answer. */
export const KCP_CMD_WINS = 84;

/** `probe` flag: send a WASK on the next flush. */
export const KCP_ASK_SEND = 1;
/** `probe` flag: send a WINS on the next flush. */
export const KCP_ASK_TELL = 2;

/** Minimum RTO with nodelay on / off, initial RTO, and the RTO ceiling. */
export const KCP_RTO_NDL = 30;
export const KCP_RTO_MIN = 100;
export const KCP_RTO_DEF = 200;
export const KCP_RTO_MAX = 60000;

/** Default send / receive windows. */
export const KCP_WND_SND = 32;
export const KCP_WND_RCV = 32;

/** Default mtu (what G561 keeps when kcptun asks for more than 1500). */
export const KCP_MTU_DEF = 1400;
/** kcp-go's SetMtu refuses anything smaller. */
export const KCP_MTU_MIN = 50;
/**
 * Largest datagram any kcp-go peer can receive (its read buffer size, `mtuLimit`): the one home of the
 * 1500-byte limit, by which every layer (KCP, FEC, crypt, the datagram I/O) sizes its buffers.
 */
export const KCP_MTU_LIMIT = 1500;

/** Default flush interval and the range setNoDelay clamps it to. */
export const KCP_INTERVAL = 100;
export const KCP_INTERVAL_MIN = 10;
export const KCP_INTERVAL_MAX = 5000;

/** Initial and minimum slow-start threshold (congestion control, nc=0). */
export const KCP_THRESH_INIT = 2;
export const KCP_THRESH_MIN = 2;

/** Zero-window probe timer: first wait (G561 value; later kcp-go uses 500) and ceiling. */
export const KCP_PROBE_INIT = 7000;
export const KCP_PROBE_LIMIT = 120000;

/** Byte offsets of the header fields (all little-endian). */
export const SEG_OFF_CONV = 0;
export const SEG_OFF_CMD = 4;
export const SEG_OFF_FRG = 5;
export const SEG_OFF_WND = 6;
export const SEG_OFF_TS = 8;
/** kcp-go's IKCP_SN_OFFSET: the server reads sn here to accept a conv change only on sn 0. */
export const SEG_OFF_SN = 12;
export const SEG_OFF_UNA = 16;
export const SEG_OFF_LEN = 20;
