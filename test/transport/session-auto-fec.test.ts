/**
 * -mode auto's FEC toward a peer by what the peer's datagrams carry: a peer with FEC off (its datagrams
 * have no FEC header) gets no FEC from us either (src/fec/parity-tuner.ts explains why), one with FEC gets
 * the adaptive parity. Ours at both ends, over a lossy relay, byte-exact.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { snmp } from '../../src/metrics/snmp.js';
import { dialSession } from '../../src/transport/dial.js';
import { KcpListener } from '../../src/transport/listener.js';
import type { KcpSession } from '../../src/transport/session.js';
import { UdpRelay } from '../support/udp-relay.js';
import { options, receive, sha, TUNNEL_SERVER_NOP } from './session-cases.js';

const BYTES = 512 * 1024;
const LOSS = 0.05;
const AUTO = { congestion: true, windows: true, fec: true };

/**
 * Our auto client sends BYTES to a listener with FEC on or off; returns the parity shards that arrived
 * (at either end: both are in this process) and how often the client reported a peer without FEC.
 */
async function autoToward(
  peerFec: boolean,
  peerAuto = false,
  bytes = BYTES,
  shows = false,
): Promise<{ parity: number; reports: number; interleaved: number; reAcks: [boolean, boolean] }> {
  const data = randomBytes(bytes);
  let received: Promise<string> | null = null;
  let server: KcpSession | null = null;
  let accepted: () => void = () => {};
  const acceptedOnce = new Promise<void>((r) => {
    accepted = r;
  });
  const listener = await KcpListener.listen(
    '127.0.0.1',
    0,
    { ...options(peerFec), sockbuf: 4 << 20, maxSessions: 4, ...(peerAuto ? { auto: AUTO } : {}) },
    (s) => {
      server = s;
      s.write(TUNNEL_SERVER_NOP);
      received = receive(s, bytes);
      accepted();
    },
  );
  const relay = await UdpRelay.start(listener.port, { dropUp: LOSS, dropDown: LOSS });
  let reports = 0;
  const session = await dialSession('127.0.0.1', relay.port, {
    ...options(true),
    sockbuf: 4 << 20,
    auto: AUTO,
    observer: { peerWithoutFec: () => reports++ },
  });
  if (shows) session.showFecShape(); // as the tunnel's client does (KcpSession.showFecShape)
  const parityBefore = snmp.FECParityShards;
  let interleaved = 0;
  let reAcks: [boolean, boolean] = [false, false];
  try {
    for (let off = 0; off < bytes; off += 8192) session.write(Buffer.from(data.subarray(off, off + 8192)));
    await acceptedOnce;
    assert.equal(await received!, sha(data));
    assert.ok(relay.dropped > 0, 'the relay dropped nothing');
    interleaved = session.fecInterleavedGroups;
    reAcks = [session.reAcknowledges, server!.reAcknowledges];
  } finally {
    session.close();
    listener.close();
    relay.close();
  }
  return { parity: snmp.FECParityShards - parityBefore, reports, interleaved, reAcks };
}

test('-mode auto toward a peer with FEC off: no parity, one report, every byte delivered', {
  timeout: 60_000,
}, async () => {
  // asked to show its FEC shape, which it never does toward such a peer (a flush after dropping FEC threw)
  const { parity, reports } = await autoToward(false, false, BYTES, true);
  assert.equal(parity, 0);
  assert.equal(reports, 1);
});

test('-mode auto toward a peer with FEC on: parity once the peer has shown FEC headers', async () => {
  const { parity, reports, interleaved, reAcks } = await autoToward(true);
  assert.ok(parity > 0, 'no parity toward a peer with FEC');
  assert.equal(reports, 0);
  // a peer without -mode auto does not mark its parity (FecEncoder.descendingParity), as kcp-go's does
  // not: no interleaving, and no re-acknowledgement toward it (src/kcp/re-ack.ts); it re-acknowledges
  assert.equal(interleaved, 0);
  assert.deepEqual(reAcks, [false, true]);
});

test('-mode auto toward -mode auto: the sender interleaves its FEC groups once the peer marked its parity', async () => {
  // the receiver's ACK datagrams carry the marks: a few groups of them arrive within the first MiB
  const { parity, interleaved, reAcks } = await autoToward(true, true, 8 * BYTES);
  assert.ok(parity > 0, 'no parity');
  assert.ok(interleaved > 0, 'no interleaved group');
  // and each end re-acknowledges toward the other (src/kcp/re-ack.ts)
  assert.deepEqual(reAcks, [true, true]);
});
