/**
 * Test support: a Kcp output that records datagrams, and the sns of the PUSH segments in them since the
 * last read (retransmissions and copies included, in the order sent).
 */
import {
  createSegmentHeader,
  KCP_CMD_PUSH,
  KCP_OVERHEAD,
  type KcpOutput,
  readSegmentHeader,
} from '../../src/kcp/index.js';

export function recordPushes(): { output: KcpOutput; pushed: () => number[] } {
  const out: Buffer[] = [];
  const output: KcpOutput = (buf, len) => {
    out.push(Buffer.from(buf.subarray(0, len)));
  };
  const pushed = (): number[] => {
    const sns: number[] = [];
    const h = createSegmentHeader();
    for (const d of out.splice(0)) {
      for (let p = 0; p + KCP_OVERHEAD <= d.length; p += KCP_OVERHEAD + h.len) {
        readSegmentHeader(d, p, h);
        if (h.cmd === KCP_CMD_PUSH) sns.push(h.sn);
      }
    }
    return sns;
  };
  return { output, pushed };
}
