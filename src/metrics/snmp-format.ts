/**
 * The two textual shapes of the SNMP counters (docs/protocol.md §8.3), in the latest kcp-go's field set (30 counters),
 * since we stand in for the latest kcptun: the CSV columns of `-snmplog` and the SIGUSR1 dump line.
 * The CSV order differs from the struct order, and the CSV label of FECFullShardSet is `FECFullShards`
 * (docs/protocol.md pitfall 20). FECShortShards exists only in kcptun 20210922's kcp-go, so it is not printed.
 */
import type { Snmp } from './snmp.js';

/** The names of Snmp's counter fields (its methods excluded). */
export type SnmpCounter = { [K in keyof Snmp]: Snmp[K] extends number ? K : never }[keyof Snmp];

/** kcp-go's Header()/ToSlice() order: [CSV label, counter]. */
const CSV_COLUMNS: readonly (readonly [string, SnmpCounter])[] = [
  ['BytesSent', 'BytesSent'],
  ['BytesReceived', 'BytesReceived'],
  ['MaxConn', 'MaxConn'],
  ['ActiveOpens', 'ActiveOpens'],
  ['PassiveOpens', 'PassiveOpens'],
  ['CurrEstab', 'CurrEstab'],
  ['InErrs', 'InErrs'],
  ['InCsumErrors', 'InCsumErrors'],
  ['KCPInErrors', 'KCPInErrors'],
  ['InPkts', 'InPkts'],
  ['OutPkts', 'OutPkts'],
  ['InSegs', 'InSegs'],
  ['OutSegs', 'OutSegs'],
  ['InBytes', 'InBytes'],
  ['OutBytes', 'OutBytes'],
  ['RetransSegs', 'RetransSegs'],
  ['FastRetransSegs', 'FastRetransSegs'],
  ['EarlyRetransSegs', 'EarlyRetransSegs'],
  ['LostSegs', 'LostSegs'],
  ['RepeatSegs', 'RepeatSegs'],
  ['FECFullShards', 'FECFullShardSet'],
  ['FECParityShards', 'FECParityShards'],
  ['FECErrs', 'FECErrs'],
  ['FECRecovered', 'FECRecovered'],
  ['FECShardSet', 'FECShardSet'],
  ['FECShardMin', 'FECShardMin'],
  ['RingBufferSndQueue', 'RingBufferSndQueue'],
  ['RingBufferRcvQueue', 'RingBufferRcvQueue'],
  ['RingBufferSndBuffer', 'RingBufferSndBuffer'],
  ['OOBPackets', 'OOBPackets'],
];

/** kcp-go's struct declaration order, which Go's `%+v` follows. */
const STRUCT_ORDER: readonly SnmpCounter[] = [
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
  'FECFullShardSet',
  'FECRecovered',
  'FECErrs',
  'FECParityShards',
  'FECShardSet',
  'FECShardMin',
  'RingBufferSndQueue',
  'RingBufferRcvQueue',
  'RingBufferSndBuffer',
  'OOBPackets',
];

/** Go prints the counters as unsigned decimal integers. */
function counterText(value: number): string {
  return Math.trunc(value).toString();
}

/** The CSV header labels, without the leading `Unix` column the logger adds. */
export function snmpHeader(): string[] {
  return CSV_COLUMNS.map(([label]) => label);
}

/** The counter values in CSV column order, matching snmpHeader(). */
export function snmpRow(s: Snmp): string[] {
  return CSV_COLUMNS.map(([, field]) => counterText(s[field]));
}

/** The SIGUSR1 line without the log prefix: `KCP SNMP:&{BytesSent:5 BytesReceived:0 ... OOBPackets:0}`. */
export function formatSnmpDump(s: Snmp): string {
  const pairs = STRUCT_ORDER.map((field) => `${field}:${counterText(s[field])}`);
  return `KCP SNMP:&{${pairs.join(' ')}}`;
}

/**
 * Every counter, for the metrics endpoint: the 30 of the dump in struct order, then FECShortShards (kcptun
 * 20210922's, still counted here though the latest kcptun's dump and CSV leave it out).
 */
export function snmpFields(): readonly SnmpCounter[] {
  return [...STRUCT_ORDER, 'FECShortShards'];
}
