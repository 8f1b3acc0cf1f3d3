/**
 * kcp-go's process-wide SNMP counters (spec 8.3). Plain numbers, incremented in place by every layer;
 * cumulative for the life of the process. One instance, `snmp`, is shared like Go's DefaultSnmp.
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
  FECShardSet = 0; // live groups in the decoder
  FECShardMin = 0;
  RingBufferSndQueue = 0;
  RingBufferRcvQueue = 0;
  RingBufferSndBuffer = 0;
  OOBPackets = 0;

  /** Record a newly established session (updates CurrEstab and its peak). */
  sessionOpened(active: boolean): void {
    if (active) this.ActiveOpens++;
    else this.PassiveOpens++;
    this.CurrEstab++;
    if (this.CurrEstab > this.MaxConn) this.MaxConn = this.CurrEstab;
  }

  sessionClosed(): void {
    this.CurrEstab--;
  }
}

export const snmp = new Snmp();
