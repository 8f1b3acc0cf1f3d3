import assert from 'node:assert/strict';
import type net from 'node:net';
import { describe, test } from 'node:test';
import {
  FLOW_EXPIRY_MS,
  type Flow,
  FlowTable,
  MAX_FLOWS,
  ORPHAN_EXPIRY_MS,
} from '../../src/transport/tcp-flows.js';

/** A stand-in for a flow's real TCP connection: the table only tells whether there is one. */
const CONN = {} as net.Socket;

function table(max: number): { flows: FlowTable; forgotten: Flow[] } {
  const forgotten: Flow[] = [];
  return { flows: new FlowTable((f) => forgotten.push(f), max), forgotten };
}

describe('the -tcp flow table (docs/tcp-transport.md)', () => {
  test('is bounded: a packet of a new peer is refused when full, a known peer still finds its flow', () => {
    const { flows } = table(3);
    for (let port = 1; port <= 3; port++) assert.ok(flows.forPacket(10, port, 0));
    assert.equal(flows.forPacket(10, 4, 0), null);
    assert.equal(flows.size, 3);
    assert.equal(flows.forPacket(10, 2, 0), flows.get(10, 2));
  });

  test('a new connection takes the place of the oldest orphan, and is refused when none is left', () => {
    const { flows, forgotten } = table(3);
    flows.forConnection(10, 1, 0)!.conn = CONN;
    flows.forPacket(10, 2, 0); // orphans: 2 then 3
    flows.forPacket(10, 3, 0);
    const joined = flows.forConnection(10, 4, 0);
    assert.ok(joined);
    joined.conn = CONN;
    assert.deepEqual(
      forgotten.map((f) => f.remotePort),
      [2],
    );
    assert.equal(flows.get(10, 2), undefined);
    flows.forConnection(10, 5, 0)!.conn = CONN; // evicts orphan 3
    assert.equal(flows.forConnection(10, 6, 0), null, 'full of flows with connections');
    assert.equal(flows.size, 3);
  });

  test('orphans expire after 5 s of silence, flows with a connection after 60 s (the latest tcpraw)', () => {
    const { flows, forgotten } = table(MAX_FLOWS);
    flows.forPacket(10, 1, 0);
    flows.forConnection(10, 2, 0)!.conn = CONN;
    flows.expire(ORPHAN_EXPIRY_MS);
    assert.equal(flows.size, 2, 'not yet');
    flows.expire(ORPHAN_EXPIRY_MS + 1);
    assert.deepEqual(
      forgotten.map((f) => f.remotePort),
      [1],
    );
    flows.get(10, 2)!.lastHeard = 1000; // heard since
    flows.expire(FLOW_EXPIRY_MS + 1);
    assert.equal(flows.size, 1);
    flows.expire(FLOW_EXPIRY_MS + 1001);
    assert.equal(flows.size, 0);
    assert.deepEqual(
      forgotten.map((f) => f.remotePort),
      [1, 2],
    );
  });

  test('room made by expiry is open to new peers again', () => {
    const { flows } = table(2);
    flows.forPacket(10, 1, 0);
    flows.forPacket(10, 2, 0);
    assert.equal(flows.forPacket(10, 3, 100), null);
    flows.expire(ORPHAN_EXPIRY_MS + 1);
    assert.ok(flows.forPacket(10, 3, ORPHAN_EXPIRY_MS + 1));
  });
});
