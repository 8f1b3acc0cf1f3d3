import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { applyDscp } from '../../src/transport/dscp.js';

/** koffi is an optional dependency: with it DSCP must really be set, without it refused with a reason. */
function loadKoffi(): { getsockopt: (fd: number, level: number, name: number) => number } | undefined {
  try {
    const koffi = createRequire(import.meta.url)('koffi');
    const get = koffi.load(null).func('int getsockopt(int, int, int, _Out_ int *, _Inout_ uint32_t *)');
    return {
      getsockopt: (fd, level, name) => {
        const value = [-1];
        assert.equal(get(fd, level, name, value, [4]), 0);
        return value[0];
      },
    };
  } catch {
    return undefined;
  }
}

const koffi = loadKoffi();
const LINUX = process.platform === 'linux';
const IP_TOS = 1;
const IPV6_TCLASS = 67;

function fdOf(socket: dgram.Socket): number {
  const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol')!;
  return (socket as unknown as Record<symbol, { handle: { fd: number } }>)[state].handle.fd;
}

function bound(type: 'udp4' | 'udp6', address: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket(type);
  return new Promise((resolve) => socket.bind(0, address, () => resolve(socket)));
}

describe('applyDscp', () => {
  let v4: dgram.Socket;
  let v6: dgram.Socket;
  before(async () => {
    v4 = await bound('udp4', '127.0.0.1');
    v6 = await bound('udp6', '::');
  });
  after(() => {
    v4.close();
    v6.close();
  });

  it('rejects values outside 0..63 naming the parameter', () => {
    for (const bad of [-1, 64, 1.5]) assert.throws(() => applyDscp(v4, bad, 4), /dscp/);
  });

  it('reports an unbound socket instead of throwing', () => {
    const socket = dgram.createSocket('udp4');
    const r = applyDscp(socket, 46, 4);
    socket.close();
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /not bound/);
  });

  it('without koffi, refuses with a reason that names it', { skip: koffi !== undefined }, () => {
    const r = applyDscp(v4, 46, 4);
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /koffi/);
  });

  it('sets IPv4 TOS = dscp << 2', { skip: koffi === undefined || !LINUX }, () => {
    assert.deepEqual(applyDscp(v4, 46, 4), { ok: true });
    assert.equal(koffi!.getsockopt(fdOf(v4), 0, IP_TOS), 46 << 2);
  });

  it('sets the IPv6 traffic class unshifted, and the IPv4 TOS for mapped peers', {
    skip: koffi === undefined || !LINUX,
  }, () => {
    assert.deepEqual(applyDscp(v6, 10, 6), { ok: true });
    assert.equal(koffi!.getsockopt(fdOf(v6), 41, IPV6_TCLASS), 10);
    assert.equal(koffi!.getsockopt(fdOf(v6), 0, IP_TOS), 10 << 2);
  });

  it('takes the family from the socket when not given', { skip: koffi === undefined || !LINUX }, () => {
    assert.deepEqual(applyDscp(v6, 12), { ok: true });
    assert.equal(koffi!.getsockopt(fdOf(v6), 41, IPV6_TCLASS), 12);
    assert.deepEqual(applyDscp(v4, 12), { ok: true });
    assert.equal(koffi!.getsockopt(fdOf(v4), 0, IP_TOS), 12 << 2);
  });

  it('can set dscp back to 0', { skip: koffi === undefined || !LINUX }, () => {
    assert.deepEqual(applyDscp(v4, 0, 4), { ok: true });
    assert.equal(koffi!.getsockopt(fdOf(v4), 0, IP_TOS), 0);
  });
});
