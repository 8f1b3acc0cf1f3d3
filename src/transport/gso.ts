/**
 * UDP generic segmentation (GSO, Linux 4.18) and receive coalescing (GRO, Linux 5.0) for the batched I/O
 * of mmsg-io.ts. With GSO a run of consecutive datagrams to one peer, all of one size but the last (which
 * may be shorter), leaves as one message carrying a UDP_SEGMENT control message: the kernel walks its
 * stack once for the run and cuts it into datagrams at the end (or hands it whole to a GRO socket on the
 * same host). With GRO the kernel hands such a run, or datagrams a NIC coalesced, to us as one buffer with
 * the segment size in a UDP_GRO control message, and we cut it. The wire is unchanged: the peer sees the
 * same datagrams, so peers without GSO (kcp-go) interoperate.
 *
 * Support is probed once per process on a throwaway socket; KCPTUN_NO_GSO=1 turns both off (to compare,
 * or to keep the plain sendmmsg/recvmmsg path tested). A kernel that refuses a GSO send later (a device
 * without checksum offload says EIO, a route whose MTU is below the segment size says EINVAL) turns GSO
 * off for that socket only.
 */
import { constants as osConstants } from 'node:os';
import { AF_INET, errnoName, type Libc, SOCK_DGRAM } from './libc.js';

/** Set KCPTUN_NO_GSO=1 to keep to one datagram per message both ways where GSO/GRO is available. */
const gsoDisabled = process.env.KCPTUN_NO_GSO === '1';

export const SOL_UDP = 17;
/** setsockopt/cmsg type: the segment size of a send (linux/udp.h). */
export const UDP_SEGMENT = 103;
/** setsockopt: deliver coalesced; cmsg type: the segment size of what was received (linux/udp.h). */
export const UDP_GRO = 104;
const INT_BYTES = 4;

/**
 * struct cmsghdr on LP64: cmsg_len (size_t), cmsg_level, cmsg_type (int), then the data, 8-byte aligned.
 * CMSG_SPACE of an int (GRO's size) or a u16 (GSO's) is 24 bytes.
 */
export const CMSG_LEN = 0;
export const CMSG_LEVEL = 8;
export const CMSG_TYPE = 12;
export const CMSG_DATA = 16;
export const CONTROL_SIZE = 24;
/** CMSG_LEN(sizeof(uint16_t)): what the kernel reads for UDP_SEGMENT. */
export const GSO_CMSG_LEN = CMSG_DATA + 2;

/**
 * Bytes of one GSO run at most: the IP length field's 65535 less an IPv6 header (40) and the UDP header
 * (8); the kernel refuses longer sends with EMSGSIZE.
 */
export const GSO_MAX_BYTES = 65_535 - 40 - 8;
/** A GRO buffer's size: the longest UDP payload any coalesced run can have. */
export const GRO_SLOT_SIZE = 65_536;

/** Whether this process uses GSO and GRO, and why not when it does not: what the start-up line reports. */
export interface GsoSupport {
  readonly gso: boolean;
  readonly gro: boolean;
  /** Empty when both are on. */
  readonly reason: string;
}

let probed: GsoSupport | undefined;

/**
 * Probe the kernel once on a throwaway socket: getsockopt(UDP_SEGMENT) answers on kernels with GSO,
 * setsockopt(UDP_GRO) on those with GRO.
 */
export function gsoSupport(sys: Libc): GsoSupport {
  if (probed !== undefined) return probed;
  if (gsoDisabled) {
    probed = { gso: false, gro: false, reason: 'KCPTUN_NO_GSO=1 is set' };
    return probed;
  }
  const fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) {
    probed = { gso: false, gro: false, reason: `probe socket: ${errnoName(sys.koffi.errno())}` };
    return probed;
  }
  const reasons: string[] = [];
  const gso = sys.getsockopt(fd, SOL_UDP, UDP_SEGMENT, [0], [INT_BYTES]) === 0;
  if (!gso) reasons.push(`GSO: getsockopt UDP_SEGMENT ${errnoName(sys.koffi.errno())}`);
  const gro = sys.setsockopt(fd, SOL_UDP, UDP_GRO, [1], INT_BYTES) === 0;
  if (!gro) reasons.push(`GRO: setsockopt UDP_GRO ${errnoName(sys.koffi.errno())}`);
  sys.close(fd);
  probed = { gso, gro, reason: reasons.join('; ') };
  return probed;
}

/** Ask the kernel to deliver this socket's datagrams coalesced; false when it refuses (then they come one by one). */
export function enableGro(sys: Libc, fd: number): boolean {
  return sys.setsockopt(fd, SOL_UDP, UDP_GRO, [1], INT_BYTES) === 0;
}

const { EINVAL, EIO, ENOPROTOOPT, EMSGSIZE } = osConstants.errno;
/**
 * Errors by which the kernel refuses a GSO send that it would take as separate datagrams: EINVAL (segment
 * larger than the route's MTU), EIO (a device without checksum offload, IPsec), ENOPROTOOPT, EMSGSIZE.
 */
export const GSO_REFUSALS: ReadonlySet<number> = new Set([EINVAL, EIO, ENOPROTOOPT, EMSGSIZE]);

/** The queued datagrams a run is cut from. */
export interface RunSource {
  /** Bytes of datagram i. */
  length(i: number): number;
  /** Datagrams a and b go to the same peer. */
  samePeer(a: number, b: number): boolean;
}

/**
 * The end (exclusive) of the GSO run that starts at datagram `start` of `n`: the following datagrams to
 * the same peer joined, each as long as the first, the last allowed to be shorter, GSO_MAX_BYTES in all.
 */
export function gsoRunEnd(queue: RunSource, start: number, n: number): number {
  const size = queue.length(start);
  let bytes = size;
  let j = start + 1;
  while (j < n) {
    const len = queue.length(j);
    if (len > size || bytes + len > GSO_MAX_BYTES || !queue.samePeer(start, j)) break;
    bytes += len;
    j++;
    if (len < size) break;
  }
  return j;
}
