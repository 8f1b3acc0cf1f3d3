import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Snmp } from '../../src/metrics/snmp.js';
import { formatSnmpDump, snmpHeader, snmpRow } from '../../src/metrics/snmp-format.js';

/** kcp-go v5.6.72 Header(), the latest kcptun's snmplog columns. */
const LATEST_HEADER = [
  'BytesSent',
  'BytesReceived',
  'MaxConn',
  'ActiveOpens',
  'PassiveOpens',
  'CurrEstab',
  'InErrs',
  'InCsumErrors',
  'KCPInErrors',
  'InPkts',
  'OutPkts',
  'InSegs',
  'OutSegs',
  'InBytes',
  'OutBytes',
  'RetransSegs',
  'FastRetransSegs',
  'EarlyRetransSegs',
  'LostSegs',
  'RepeatSegs',
  'FECFullShards',
  'FECParityShards',
  'FECErrs',
  'FECRecovered',
  'FECShardSet',
  'FECShardMin',
  'RingBufferSndQueue',
  'RingBufferRcvQueue',
  'RingBufferSndBuffer',
  'OOBPackets',
];

/** Every counter set to a distinct value, so any column or field swap shows. */
function numberedSnmp(): Snmp {
  const s = new Snmp();
  // The gauges are read from the open sessions; FECShardMin is always 0.
  s.sessionOpened(true, { fecQueuedGroups: 25, sndQueueLength: 27, rcvQueueLength: 28, sndBufLength: 29 });
  s.BytesSent = 1;
  s.BytesReceived = 2;
  s.MaxConn = 3;
  s.ActiveOpens = 4;
  s.PassiveOpens = 5;
  s.CurrEstab = 6;
  s.InErrs = 7;
  s.InCsumErrors = 8;
  s.KCPInErrors = 9;
  s.InPkts = 10;
  s.OutPkts = 11;
  s.InSegs = 12;
  s.OutSegs = 13;
  s.InBytes = 14;
  s.OutBytes = 15;
  s.RetransSegs = 16;
  s.FastRetransSegs = 17;
  s.EarlyRetransSegs = 18;
  s.LostSegs = 19;
  s.RepeatSegs = 20;
  s.FECFullShardSet = 21;
  s.FECRecovered = 22;
  s.FECErrs = 23;
  s.FECParityShards = 24;
  s.OOBPackets = 30;
  s.FECShortShards = 99;
  return s;
}

describe('SNMP formats (latest kcp-go field set)', () => {
  it('has the 30 CSV header labels in kcp-go order', () => {
    assert.deepEqual(snmpHeader(), LATEST_HEADER);
  });

  it('emits the row in CSV column order, which differs from the struct order around FEC', () => {
    const row = snmpRow(numberedSnmp());
    assert.equal(row.length, LATEST_HEADER.length);
    // Columns 21-24 are FECFullShards, FECParityShards, FECErrs, FECRecovered.
    assert.deepEqual(row, [
      ...'1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 24 23 22'.split(' '),
      '25',
      '0',
      '27',
      '28',
      '29',
      '30',
    ]);
  });

  it('sums the queue gauges over the open sessions and forgets a closed one', () => {
    const s = new Snmp();
    const a = { fecQueuedGroups: 1, sndQueueLength: 2, rcvQueueLength: 3, sndBufLength: 4 };
    const b = { fecQueuedGroups: 10, sndQueueLength: 20, rcvQueueLength: 30, sndBufLength: 40 };
    s.sessionOpened(true, a);
    s.sessionOpened(false, b);
    assert.deepEqual(
      [s.FECShardSet, s.RingBufferSndQueue, s.RingBufferRcvQueue, s.RingBufferSndBuffer, s.CurrEstab],
      [11, 22, 33, 44, 2],
    );
    a.sndQueueLength = 5; // read when printed, not copied at open
    assert.equal(s.RingBufferSndQueue, 25);
    s.sessionClosed(b);
    assert.deepEqual(
      [s.FECShardSet, s.RingBufferSndQueue, s.RingBufferRcvQueue, s.RingBufferSndBuffer, s.CurrEstab],
      [1, 5, 3, 4, 1],
    );
    assert.equal(s.FECShardMin, 0);
  });

  it('prints the dump line like Go %+v of a *Snmp', () => {
    const s = new Snmp();
    s.BytesSent = 5;
    s.InPkts = 1234567890123;
    assert.equal(
      formatSnmpDump(s),
      'KCP SNMP:&{BytesSent:5 BytesReceived:0 MaxConn:0 ActiveOpens:0 PassiveOpens:0 CurrEstab:0 InErrs:0 ' +
        'InCsumErrors:0 KCPInErrors:0 InPkts:1234567890123 OutPkts:0 InSegs:0 OutSegs:0 InBytes:0 OutBytes:0 ' +
        'RetransSegs:0 FastRetransSegs:0 EarlyRetransSegs:0 LostSegs:0 RepeatSegs:0 FECFullShardSet:0 ' +
        'FECRecovered:0 FECErrs:0 FECParityShards:0 FECShardSet:0 FECShardMin:0 RingBufferSndQueue:0 ' +
        'RingBufferRcvQueue:0 RingBufferSndBuffer:0 OOBPackets:0}',
    );
  });

  it('keeps struct order in the dump', () => {
    const fields = [...formatSnmpDump(numberedSnmp()).matchAll(/(\w+):(\d+)/g)].map((m) => m[2]);
    assert.deepEqual(
      fields,
      Array.from({ length: 30 }, (_, i) => (i + 1 === 26 ? '0' : String(i + 1))), // 26: FECShardMin
    );
  });
});
