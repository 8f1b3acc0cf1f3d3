/**
 * A link benchmark profile as the simulated pair's link (test/kcp/kcp-pair-sim.ts): one home for the shape
 * link-sim and the controller's simulated tests give a profile, so a test of one link runs the link the
 * simulator reports on.
 */
import type { LinkOptions } from '../../test/kcp/kcp-pair-sim.js';
import { bdpBytes, type LinkProfile, PROFILES } from './profiles.js';

/** The link benchmark's shape of -mode auto's FEC (kcptun's default 10/3). */
const FEC = { dataShards: 10, parityShards: 3 };
/**
 * What the forwarder's rate and queue count beyond a datagram's UDP payload: it reads whole IPv4 packets
 * from its TUN devices (bench/link/forwarder.c), IP 20 + UDP 8 bytes.
 */
const IP_UDP_HEADER_BYTES = 28;

export interface SimulatedLinkOptions {
  /** FEC 10/3 datagrams through the queue (default true). */
  fec?: boolean;
  /** The FEC groups interleaved as a session sends them (default true). */
  interleave?: boolean;
  /** Each end learns its peer's FEC shape from its stream, as a fresh session does (LinkOptions.fec's shapeLearned; default false). */
  shapeLearned?: boolean;
  /**
   * The forwarder's model (default true): loss drawn before the queue, whole IP packets rated and queued;
   * false is the model earlier docs quote (loss after the queue, UDP payloads rated).
   */
  forwarder?: boolean;
}

/** The simulated link of profile `p`. */
export function simulatedLink(p: LinkProfile, options: SimulatedLinkOptions = {}): LinkOptions {
  const { fec = true, interleave = true, forwarder = true, shapeLearned = false } = options;
  const jitter = p.jitterMs ?? 0;
  return {
    loss: p.loss,
    ...(p.gilbertElliott !== undefined ? { gilbertElliott: p.gilbertElliott } : {}),
    dup: 0,
    delay: p.oneWayDelayMs - jitter,
    jitter: 2 * jitter,
    inOrder: true,
    rate: (p.rateMbit * 1e6) / 8 / 1000,
    queueBytes: bdpBytes(p) * (p.queueBdp ?? 1),
    ...(forwarder ? { lossBeforeQueue: true, headerBytes: IP_UDP_HEADER_BYTES } : {}),
    ...(fec ? { fec: { ...FEC, interleave, ...(shapeLearned ? { shapeLearned } : {}) } } : {}),
  };
}

/** The profile named `id`. */
export function profile(id: string): LinkProfile {
  const p = PROFILES.find((q) => q.id === id);
  if (p === undefined) throw new Error(`no link profile ${id}`);
  return p;
}
