/** What an open session tells the SNMP gauges, read when the counters are printed (never per packet). */
export interface SessionQueues {
  /** Segments written but held back by the window (kcp snd_queue). */
  readonly sndQueueLength: number;
  /** Segments sent and not yet acknowledged (kcp snd_buf). */
  readonly sndBufLength: number;
  /** Segments received in order and not yet read by the layer above (kcp rcv_queue). */
  readonly rcvQueueLength: number;
  /** FEC groups whose shards wait in the decoder. */
  readonly fecQueuedGroups: number;
}

/**
 * kcp-go's process-wide SNMP counters (docs/protocol.md §8.3). Plain numbers, incremented in place by every layer;
 * cumulative for the life of the process. One instance, `snmp`, is shared like Go's DefaultSnmp.
 *
 * The latest kcp-go's gauges (FECShardSet, RingBuffer*) are stored there by whichever session flushed or
 * decoded last. Here they are sums over the open sessions, computed when read: the same meaning for one
 * session, a meaningful total for several, and no work on the packet path. FECShardMin (the newest FEC
 * group id of the last session that decoded) has no process-wide meaning and stays 0; see the README.
 */
export class Snmp {
  BytesSent = 0; // application bytes written to sessions
  BytesReceived = 0; // application bytes read from sessions
  MaxConn = 0; // peak CurrEstab
  ActiveOpens = 0; // dialled sessions
  PassiveOpens = 0; // accepted sessions
  CurrEstab = 0; // open sessions
  InErrs = 0; // wrong source address, short or malformed packets
  InCsumErrors = 0; // checksum / AEAD failures
  KCPInErrors = 0; // KCP input returned an error
  InPkts = 0; // datagrams received
  OutPkts = 0; // datagrams sent
  InSegs = 0; // KCP segments received
  OutSegs = 0; // KCP segments sent
  InBytes = 0; // datagram bytes received (after decryption)
  OutBytes = 0; // datagram bytes sent
  RetransSegs = 0; // Fast + Early + Lost
  FastRetransSegs = 0;
  EarlyRetransSegs = 0;
  LostSegs = 0; // retransmitted on RTO
  RepeatSegs = 0; // duplicate PUSH received
  FECRecovered = 0; // data shards recovered by Reed-Solomon
  FECErrs = 0; // reconstruction failures
  FECParityShards = 0; // parity shards received
  FECShortShards = 0; // data shards dropped unrecovered from the rx queue
  FECFullShardSet = 0; // groups complete without recovery
  /** Always 0: a per-session sequence number, with no meaning summed or taken from one session of many. */
  readonly FECShardMin = 0;
  OOBPackets = 0;

  private readonly open = new Set<SessionQueues>();

  /** FEC groups being assembled, summed over the open sessions' decoders. */
  get FECShardSet(): number {
    return this.sumOpen((q) => q.fecQueuedGroups);
  }
  /** Segments waiting for the send window, summed over the open sessions. */
  get RingBufferSndQueue(): number {
    return this.sumOpen((q) => q.sndQueueLength);
  }
  /** Segments received in order, not yet read, summed over the open sessions. */
  get RingBufferRcvQueue(): number {
    return this.sumOpen((q) => q.rcvQueueLength);
  }
  /** Segments in flight (sent, not acknowledged), summed over the open sessions. */
  get RingBufferSndBuffer(): number {
    return this.sumOpen((q) => q.sndBufLength);
  }

  /** Record a newly established session (updates CurrEstab and its peak); its queues count in the gauges. */
  sessionOpened(active: boolean, queues: SessionQueues): void {
    if (active) this.ActiveOpens++;
    else this.PassiveOpens++;
    this.CurrEstab++;
    if (this.CurrEstab > this.MaxConn) this.MaxConn = this.CurrEstab;
    this.open.add(queues);
  }

  /**
   * Count queues in the gauges that are not a session of this thread: a -workers thread's sums, which the
   * main thread reads (src/cli/server-workers.ts).
   */
  countQueues(queues: SessionQueues): void {
    this.open.add(queues);
  }

  sessionClosed(queues: SessionQueues): void {
    this.CurrEstab--;
    this.open.delete(queues);
  }

  private sumOpen(read: (q: SessionQueues) => number): number {
    let sum = 0;
    for (const q of this.open) sum += read(q);
    return sum;
  }
}

export const snmp = new Snmp();
