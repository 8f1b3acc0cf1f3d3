/**
 * Detects the peer's (dataShards, parityShards) from the stream of shard types, as kcp-go v5.6.1 does
 * (`autotune.go`): a ring of (isData, seqid) samples indexed by seqid mod 258, scanned for one run of data
 * or parity shards bounded by a rising and a falling edge, with consecutive seqids throughout.
 */

const SAMPLES = 258;

export class AutoTune {
  private readonly isData = new Uint8Array(SAMPLES);
  private readonly seqids = new Uint32Array(SAMPLES);

  sample(isData: boolean, seqid: number): void {
    const slot = seqid % SAMPLES;
    this.isData[slot] = isData ? 1 : 0;
    this.seqids[slot] = seqid;
  }

  /** Length of a run of data (or parity) shards, or a value <= 0 when no complete run is visible. */
  findPeriod(kind: 'data' | 'parity'): number {
    const bit = kind === 'data' ? 1 : 0;
    const bits = this.isData;
    const seqs = this.seqids;

    let leftEdge = 0;
    for (let idx = 1; idx < SAMPLES; idx++) {
      if (bits[idx - 1] !== bit && bits[idx] === bit && (seqs[idx - 1] + 1) >>> 0 === seqs[idx]) {
        leftEdge = idx;
        break;
      }
    }

    let rightEdge = 0;
    for (let idx = leftEdge + 1; idx < SAMPLES; idx++) {
      if ((seqs[idx - 1] + 1) >>> 0 !== seqs[idx]) return -1;
      if (bits[idx - 1] === bit && bits[idx] !== bit) {
        rightEdge = idx;
        break;
      }
    }
    return rightEdge - leftEdge;
  }
}
