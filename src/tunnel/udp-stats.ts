/**
 * UDP forwarding counters (-udp): plain numbers, cumulative for the life of the process except
 * FlowsActive, readable the way the SNMP counters are. "In" is what this end read from its local UDP
 * sockets and sent into the tunnel; "Out" is what came out of the tunnel and was written to them. On the
 * client the local side is the applications, on the server it is the target.
 */
export class UdpStats {
  FlowsOpened = 0;
  FlowsClosed = 0;
  /** Flows open now. */
  FlowsActive = 0;
  DatagramsIn = 0;
  DatagramsOut = 0;
  BytesIn = 0;
  BytesOut = 0;
  /** The newest datagrams of a flow whose send queue was full. */
  DropsQueueFull = 0;
  /** Datagrams with no way through: the server does not forward UDP, or the session closed under them. */
  DropsNoTunnel = 0;
  /** Datagrams that would have opened a flow beyond the cap (a refused source is not remembered). */
  DropsFlowLimit = 0;
  /** Datagrams the local socket could not send (the target refused, no route, ...). */
  DropsSendError = 0;

  flowOpened(): void {
    this.FlowsOpened++;
    this.FlowsActive++;
  }

  flowClosed(): void {
    this.FlowsClosed++;
    this.FlowsActive--;
  }
}

/** One log line of every counter, in the style of kcptun's SNMP line: `UDP: &{FlowsOpened:3 ...}`. */
export function formatUdpStats(stats: UdpStats): string {
  const fields = Object.entries(stats).map(([name, value]) => `${name}:${value}`);
  return `UDP: &{${fields.join(' ')}}`;
}

/** The process-wide counters, like kcp-go's DefaultSnmp; a client or server may be given its own. */
export const udpStats = new UdpStats();
