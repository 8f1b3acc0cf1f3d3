/** The kcptun flags of the benchmark: one set shared by Go and ours, and the set we recommend per link. */
import { bdpBytes, type LinkProfile } from './profiles.js';

export interface KcpSettings {
  mode: string;
  /** -sndwnd and -rcvwnd on both ends, in packets. */
  window: number;
  dataShard: number;
  parityShard: number;
  noComp: boolean;
  smuxVer: number;
}

/** kcptun's default -mtu: a window of W packets keeps W x this many bytes in flight at most. */
const KCPTUN_MTU = 1350;
const KEY = 'kcptun-ts link benchmark';

export function windowForBdp(p: LinkProfile, factor: number): number {
  return Math.ceil((bdpBytes(p) * factor) / KCPTUN_MTU);
}

/**
 * The settings both implementations get: kcptun's defaults (aes, FEC 10/3, compression, smux v1 as
 * in Go kcptun 20210922) with -mode fast3 and both windows set to the link's BDP in packets.
 */
export function sharedSettings(p: LinkProfile): KcpSettings {
  return {
    mode: 'fast3',
    window: windowForBdp(p, 1),
    dataShard: 10,
    parityShard: 3,
    noComp: false,
    smuxVer: 1,
  };
}

/**
 * Parity shards per 10 data shards. On a clean link parity only costs bytes (a third of the link at
 * 10/3) and, without congestion control, fills the bottleneck queue; with loss it saves a round trip
 * per lost packet. Chosen from trial runs of this benchmark (bench:link notes).
 */
function parityForLoss(loss: number): number {
  if (loss === 0) return 0;
  return loss <= 0.02 ? 2 : 3;
}

/**
 * What we recommend for the link: FEC sized to the loss, no compression (the data is incompressible),
 * and a window that keeps one BDP on the wire counting the parity packets too. kcptun's modes have no
 * congestion control, so a bigger window only fills the bottleneck queue: in trial runs a window of
 * BDP x 10/13 kept the goodput of a full-BDP window with FEC 10/3 and cut request/response times.
 */
export function recommendedSettings(p: LinkProfile): KcpSettings {
  const dataShard = 10;
  const parityShard = parityForLoss(p.loss);
  return {
    ...sharedSettings(p),
    window: windowForBdp(p, dataShard / (dataShard + parityShard)),
    dataShard,
    parityShard,
    noComp: true,
  };
}

export function kcptunArgs(s: KcpSettings): string[] {
  const args = [
    '-mode',
    s.mode,
    '-sndwnd',
    String(s.window),
    '-rcvwnd',
    String(s.window),
    '-datashard',
    String(s.dataShard),
    '-parityshard',
    String(s.parityShard),
    '-smuxver',
    String(s.smuxVer),
    '-crypt',
    'aes',
    '-key',
    KEY,
    '-quiet',
  ];
  if (s.noComp) args.push('-nocomp');
  return args;
}

export function describeSettings(s: KcpSettings): string {
  return `${s.mode}, wnd ${s.window}, FEC ${s.dataShard}/${s.parityShard}${s.noComp ? ', nocomp' : ''}, smux v${s.smuxVer}`;
}
