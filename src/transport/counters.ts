/**
 * Process-wide transport counters that kcp-go's SNMP set has no column for (its columns are fixed by the
 * -snmplog CSV): plain numbers like `snmp`, cumulative for the life of the process, for -metrics to expose.
 */
export class TransportCounters {
  /** Errors the UDP sockets reported: a send the kernel refused, a late ICMP error (port unreachable). */
  udpSocketErrors = 0;
  /**
   * Datagrams lost at the sending socket: sendmmsg failed for a reason other than a full buffer (EAGAIN,
   * ENOBUFS go through dgram's queue instead). KCP sends them again.
   */
  udpSendDrops = 0;
  /**
   * Datagrams a listener dropped because the layer above rejected their conversation (the peer spoke
   * another protocol: a configuration mismatch), instead of opening a new session for each retransmission.
   */
  rejectedDatagrams = 0;
  /**
   * -tcp: packets and connections of new peers a server dropped because its flow table was full
   * (tcp-flows.ts MAX_FLOWS).
   */
  tcpFlowDrops = 0;
  /**
   * Datagrams a server session did not send because its peer had not yet proven its address and they
   * would have passed the anti-amplification budget (amplification.ts): ACKs and window probes; data
   * segments wait in KCP instead.
   */
  amplificationDrops = 0;
  /** Messages sent with UDP GSO: runs of two or more datagrams the kernel cut apart (gso.ts). */
  gsoRuns = 0;
  /** Receives the kernel coalesced (UDP GRO): buffers of two or more datagrams that we cut apart. */
  groBuffers = 0;
}

export const transportCounters = new TransportCounters();
