/**
 * -mode auto's groups send their parity highest seqid first, the mark an auto peer reads (FecEncoder.
 * descendingParity), but not toward a peer that sends another shape and marks nothing, as a kcp-go client
 * of FEC 5/2 does: its decoder, before its autotune locks onto our 10/3, rebuilt a false shard from our
 * first group's parity in that order (KcpSession.marksParity; docs/forged-address-2026-12-07-amp37.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FEC_TYPE_PARITY } from '../../src/fec/header.js';
import { Scheduler } from '../../src/transport/scheduler.js';
import { KcpSession } from '../../src/transport/session.js';
import { options, QueueLink } from './session-cases.js';

const AUTO = { congestion: true, windows: true, fec: true };

/**
 * An auto server and a fast-mode client whose FEC is `dataShards`/`parityShards` (its parity ascending,
 * as kcp-go's): the client uploads, then the server answers with a download; returns the seqids of the
 * server's parity datagrams in send order.
 */
function serverParity(dataShards: number, parityShards: number): number[] {
  const clock = { now: 0 };
  const scheduler = new Scheduler({ drive: 'manual', now: () => clock.now });
  const base = options(true, 'none');
  const h = base.crypt.headerSize;
  const toServer = new QueueLink();
  const toClient = new QueueLink();
  const client = new KcpSession(1, { ...base, scheduler, dataShards, parityShards }, toServer, {
    active: true,
  });
  const server = new KcpSession(1, { ...base, scheduler, auto: AUTO }, toClient, { active: false });
  let got = 0;
  client.attach({ onData: (d) => (got += d.length), onDrain: () => {}, onClose: () => {} });
  let answered = false;
  server.attach({
    onData: () => {
      if (answered) return;
      answered = true;
      server.write(Buffer.alloc(100_000, 5));
    },
    onDrain: () => {},
    onClose: () => {},
  });
  client.write(Buffer.alloc(30_000, 4));
  const parity: number[] = [];
  for (; clock.now < 5_000 && got < 100_000; clock.now += 10) {
    scheduler.run();
    for (const d of toServer.queue.splice(0)) server.input(d, d.length);
    scheduler.run();
    for (const d of toClient.queue.splice(0)) {
      if (d.readUInt16LE(h + 4) === FEC_TYPE_PARITY) parity.push(d.readUInt32LE(h));
      client.input(d, d.length);
    }
  }
  assert.equal(got, 100_000);
  client.close();
  server.close();
  return parity;
}

/** Each group's parity seqids (a group of 13: 10 data, then 3 parity) in the order they were sent. */
function byGroup(seqids: number[]): number[][] {
  const groups = new Map<number, number[]>();
  for (const s of seqids) {
    const g = Math.floor(s / 13);
    groups.set(g, [...(groups.get(g) ?? []), s]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

test('toward a peer of another FEC shape that does not mark its parity, our parity goes lowest seqid first', () => {
  const groups = byGroup(serverParity(5, 2));
  assert.ok(groups.length >= 3, `${groups.length} groups with parity`);
  // before: every group's parity 12, 11, 10 (its window 7-13 rebuilt position 3 from unlike shards)
  for (const g of groups)
    assert.deepEqual(
      g,
      [...g].sort((a, b) => a - b),
      `parity sent ${g.join(', ')}`,
    );
});

test('toward a peer of our FEC shape, the parity keeps the mark (highest seqid first)', () => {
  const groups = byGroup(serverParity(10, 3));
  assert.ok(groups.length >= 3, `${groups.length} groups with parity`);
  for (const g of groups)
    assert.deepEqual(
      g,
      [...g].sort((a, b) => b - a),
      `parity sent ${g.join(', ')}`,
    );
});
