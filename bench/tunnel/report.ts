import type { Environment } from './environment.js';
import { environmentMarkdown } from './environment.js';
import {
  COLD_PROBES,
  IDLE_PROBES,
  type LatencyRecord,
  latencyTables,
  RAMP_MS,
  WARMUP_LOAD_SEC,
  WARMUP_TRIPS,
} from './latency-mode.js';
import { REFERENCE_PACKETS } from './machine-speed.js';
import { type MemoryRecord, type RssSample, SAMPLE_EVERY_MS, SETTLE_MS } from './memory-mode.js';
import { ECHO_BYTES, type SessionsRecord } from './sessions-mode.js';
import type { Setting } from './settings.js';
import { fixed, GIB, MIB, mean, percentile } from './stats.js';
import type { RoundRecord, TransferMeasure } from './throughput.js';
import type { Direction } from './transfer.js';

const KIB_PER_MIB = 1024;

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
}

function mibPerSec(t: TransferMeasure): number {
  return t.bytes / MIB / t.seconds;
}

function cpuSecPerGib(t: TransferMeasure): number {
  return (t.cpuClientSec + t.cpuServerSec) / (t.bytes / GIB);
}

function rtt(rtts: readonly number[]): string {
  return `${fixed(percentile(rtts, 50), 1)} / ${fixed(percentile(rtts, 99), 1)}`;
}

function kibAsMib(kib: number): string {
  return fixed(kib / KIB_PER_MIB, 0);
}

/** The summary line of one pair under one setting: means over rounds, RTT percentiles over all probes. */
function summaryRow(pair: string, rounds: readonly RoundRecord[]): string[] {
  const of = (d: Direction): TransferMeasure[] =>
    rounds.flatMap((r) => r.transfers.filter((t) => t.direction === d));
  const failed = (d: Direction): boolean => rounds.some((r) => r.error !== undefined) || of(d).length === 0;
  const cell = (d: Direction, f: (ts: TransferMeasure[]) => string): string =>
    failed(d) ? 'FAIL' : f(of(d));
  const rate = (ts: TransferMeasure[]): string => fixed(mean(ts.map(mibPerSec)), 1);
  const cpu = (ts: TransferMeasure[]): string => fixed(mean(ts.map(cpuSecPerGib)), 1);
  const rtts = (ts: TransferMeasure[]): string => rtt(ts.flatMap((t) => t.rttsMs));
  const hwm = (f: (r: RoundRecord) => number): string => kibAsMib(Math.max(...rounds.map(f)));
  return [
    pair,
    cell('up', rate),
    cell('down', rate),
    cell('up', cpu),
    cell('down', cpu),
    `${hwm((r) => r.clientHwmKiB)} / ${hwm((r) => r.serverHwmKiB)}`,
    cell('up', rtts),
    cell('down', rtts),
  ];
}

const SUMMARY_HEAD = [
  'pair (client-server)',
  'up MiB/s',
  'down MiB/s',
  'CPU s/GiB up',
  'CPU s/GiB down',
  'peak RSS MiB client / server',
  'RTT ms p50 / p99 during up',
  'RTT ms p50 / p99 during down',
];

export function throughputTables(settings: readonly Setting[], records: readonly RoundRecord[]): string {
  const sections: string[] = [];
  for (const setting of settings) {
    const ofSetting = records.filter((r) => r.setting === setting.name);
    const pairs = [...new Set(ofSetting.map((r) => r.pair))];
    const rows = pairs.map((p) =>
      summaryRow(
        p,
        ofSetting.filter((r) => r.pair === p),
      ),
    );
    const ours = setting.oursArgs === undefined ? '' : ` (ours also \`${setting.oursArgs.join(' ')}\`)`;
    sections.push(
      `### ${setting.name}: \`${setting.args.join(' ')}\`${ours}\n\n${table(SUMMARY_HEAD, rows)}`,
    );
  }
  return sections.join('\n\n');
}

function rawTable(records: readonly RoundRecord[]): string {
  const head = [
    'setting',
    'pair',
    'round',
    'dir',
    'MiB',
    's',
    'MiB/s',
    'CPU s client',
    'CPU s server',
    'VmHWM MiB client',
    'VmHWM MiB server',
    'probes',
    'RTT ms p50',
    'RTT ms p99',
    'on one CPU %',
    'intact',
  ];
  const rows = records.flatMap((r) =>
    r.transfers.map((t) => [
      r.setting,
      r.pair,
      String(r.round),
      t.direction,
      fixed(t.bytes / MIB, 0),
      fixed(t.seconds, 2),
      fixed(mibPerSec(t), 2),
      fixed(t.cpuClientSec, 2),
      fixed(t.cpuServerSec, 2),
      kibAsMib(r.clientHwmKiB),
      kibAsMib(r.serverHwmKiB),
      String(t.rttsMs.length),
      fixed(percentile(t.rttsMs, 50), 2),
      fixed(percentile(t.rttsMs, 99), 2),
      fixed(100 * t.sameCpu, 0),
      t.ok ? 'yes' : 'NO',
    ]),
  );
  return table(head, rows);
}

export function failures(records: readonly { setting: string; pair: string; error?: string }[]): string {
  const failed = records.filter((r) => r.error !== undefined);
  if (failed.length === 0) return '';
  const blocks = failed.map((r) => `### ${r.setting}, ${r.pair}\n\n\`\`\`\n${r.error}\n\`\`\``);
  return `\n\n## Failures\n\n${blocks.join('\n\n')}`;
}

export function notes(notices: readonly string[]): string {
  return notices.length === 0 ? '' : `\n\n${notices.map((n) => `> ${n}`).join('\n>\n')}`;
}

export interface ThroughputReport {
  env: Environment;
  bytes: number;
  warmupBytes: number;
  rounds: number;
  probes: number;
  probeIntervalMs: number;
  settings: readonly Setting[];
  records: readonly RoundRecord[];
  notices: readonly string[];
}

function warmupText(bytes: number): string {
  return bytes === 0
    ? ' (no warm-up: cold processes)'
    : ` an unmeasured upload and download of ${fixed(bytes / MIB, 0)} MiB each (the warm-up), then`;
}

export function throughputMarkdown(r: ThroughputReport): string {
  return `# Tunnel benchmark, ${r.env.date}

${environmentMarkdown(r.env)}

Pairs are client-server: \`ts\` is ours (\`node dist/src/cli/{client,server}-main.js\`), \`go\` is
kcptun 20210922 (\`kcptun-client\`, \`kcptun-server\`). Everything runs on 127.0.0.1 but the \`*-tcp\` pairs
(\`-tcp\` at both ends): their client and server run in two network namespaces joined by a veth, reached
from 127.0.0.1 through unix-socket forwarders (bench/tunnel/netns-placement.ts). Per setting,
${r.rounds} round(s), each starting fresh processes for every pair in turn (ours and Go's alternate), then${warmupText(r.warmupBytes)}
the two measured transfers, up first in odd rounds and down first in even ones (the first transfer of our
fresh processes also pays for V8 optimizing the packet path):

- **up**: one stream of ${fixed(r.bytes / MIB, 0)} MiB of random (incompressible) data from the client side
  to a TCP sink behind the server; **down**: the same amount from a source behind the server back to the
  client side. MiB/s runs from the first byte written to the last byte received; the sha256 of what arrived
  is checked against what was sent. Figures are means over rounds; MiB and GiB are binary.
- **CPU s/GiB**: user + system time of both tunnel processes (/proc/<pid>/stat utime + stime) across the
  transfer, per GiB moved.
- **peak RSS**: VmHWM of each process after both transfers (fresh processes each round, so it is the
  round's peak), the largest over rounds.
- **RTT**: a 64-byte request echoed back on a second stream through the same tunnel, every
  ${r.probeIntervalMs} ms while the bulk transfer runs (at most ${r.probes} per transfer), percentiles over
  all rounds' probes.
- Every setting names \`-smuxver 1\` (K21's default; ours defaults to v2, and both ends must agree), and
  those ours and Go share name \`-mode fast\` (kcptun's default; ours defaults to \`-mode auto\`), so
  \`defaults\` means kcptun's defaults except the smux version.
- **on one CPU %** (raw table, both ends ours): the share of the transfer for which our client's and our
  server's event loops last ran on one CPU (/proc/<pid>/stat field 39, every 50 ms). The kernel keeps them
  on one CPU for whole transfers at times, and a loopback transfer then runs at about half the rate
  (docs/bench-tunnel-auto-loopback-2026-12-05.md): compare figures of the same placement.
- The benchmark process itself (source, sink and its sha256, probes) shares the same CPUs.${notes(r.notices)}

## Results

${throughputTables(r.settings, r.records)}

## Raw numbers

${rawTable(r.records)}${failures(r.records)}
`;
}

export interface MemoryReport {
  env: Environment;
  streams: number;
  durationSec: number;
  bytes: number;
  records: readonly MemoryRecord[];
  notices: readonly string[];
}

/** How RSS moved over the long transfer, leaving out the ramp-up before its first periodic sample. */
function growth(rec: MemoryRecord): string {
  const steady = rec.samples.filter((s) => (s.atSec ?? -1) >= SAMPLE_EVERY_MS / 1000);
  if (steady.length < 2) return 'too short to judge growth';
  const first = steady[0];
  const last = steady[steady.length - 1];
  const span = (who: string, kib: (s: RssSample) => number): string => {
    const values = steady.map(kib);
    const range = `${kibAsMib(Math.min(...values))}–${kibAsMib(Math.max(...values))} MiB`;
    return `${who} ${range}, last − first ${fixed((kib(last) - kib(first)) / KIB_PER_MIB, 1)} MiB`;
  };
  const client = span('client', (s) => s.clientKiB);
  const server = span('server', (s) => s.serverKiB);
  return `from ${first.atSec} s to ${last.atSec} s: ${client}; ${server}`;
}

function memoryTable(rec: MemoryRecord): string {
  const head = ['when', 't s', 'moved MiB', 'client RSS MiB', 'server RSS MiB'];
  const rows = rec.samples.map((s) => [
    s.label,
    s.atSec === undefined ? '' : String(s.atSec),
    s.movedBytes === undefined ? '' : fixed(s.movedBytes / MIB, 0),
    kibAsMib(s.clientKiB),
    kibAsMib(s.serverKiB),
  ]);
  const intact = rec.error === undefined ? 'all intact' : 'intact until the failure below';
  return `### ${rec.pair}, ${rec.setting}

${table(head, rows)}

- transfers in the long run: ${rec.transfers}, ${intact}
- lifetime peak (VmHWM) client / server: ${kibAsMib(rec.clientHwmKiB)} / ${kibAsMib(rec.serverHwmKiB)} MiB
- long transfer: ${growth(rec)}`;
}

export function memoryMarkdown(r: MemoryReport): string {
  const settleSec = SETTLE_MS / 1000;
  const everySec = SAMPLE_EVERY_MS / 1000;
  const payloadMib = fixed(r.bytes / MIB, 0);
  return `# Tunnel memory, ${r.env.date}

${environmentMarkdown(r.env)}

Resident set (VmRSS from /proc/<pid>/status) of the client and the server of each pair, fresh processes:
idle; with ${r.streams} TCP connections held open through the tunnel (each acknowledged by the target, so
every stream exists end to end); after they are closed (each of these ${settleSec} s after the change); then
every ${everySec} s during a long transfer of ${r.durationSec} s: uploads and downloads of ${payloadMib} MiB
of random data in turn, one stream at a time, each sha256-checked. \`-smuxver 1\` on both ends, as in the
throughput benchmark.${notes(r.notices)}

## Results

${r.records.map(memoryTable).join('\n\n')}${failures(r.records)}
`;
}

export interface LatencyReport {
  env: Environment;
  rounds: number;
  probeIntervalMs: number;
  loadSec: number;
  loadStreams: number;
  loadRate: number;
  settings: readonly Setting[];
  records: readonly LatencyRecord[];
  notices: readonly string[];
}

function bulkStreams(count: number): string {
  return count === 1 ? 'one bulk stream' : `${count} bulk streams (each its own connection)`;
}

function pacedAt(rate: number): string {
  return rate > 0 ? ` (paced at their sources to ${fixed(rate / MIB, 1)} MiB/s in all)` : '';
}

export function latencyMarkdown(r: LatencyReport): string {
  return `# Tunnel latency, ${r.env.date}

${environmentMarkdown(r.env)}

Request/response time through the tunnel: a 64-byte request echoed back on its own stream, every
${r.probeIntervalMs} ms. Per setting, ${r.rounds} round(s), each starting fresh processes for every pair in turn.
In each round: the first ${COLD_PROBES} round trips of the fresh processes (**cold**: code V8 has not optimised yet);
then a warm-up, the same for every pair: ${bulkStreams(r.loadStreams)} up for ${WARMUP_LOAD_SEC} s, then down for
${WARMUP_LOAD_SEC} s, then ${WARMUP_TRIPS} round trips back to back; then ${IDLE_PROBES} round trips with the tunnel idle
(**idle**); then round trips while ${bulkStreams(r.loadStreams)} of random
data run${r.loadStreams === 1 ? 's' : ''}${pacedAt(r.loadRate)} for ${r.loadSec} s from the client side to a sink behind the server (**up**), and then from a source
behind the server to the client side (**down**), leaving out the first and last ${RAMP_MS} ms.
The echo target, the bulk streams' source and sink, and the prober are separate processes, so no round
trip waits for benchmark work such as hashing or reading the load; all of them share the machine's CPUs with the tunnel. The load figure is
the bulk streams' total rate (bytes handed to or read from their sockets), a check that the tunnel was busy; the
throughput table measures rates properly. Percentiles are over all rounds' round trips. **On one CPU %** (both
ends ours): the share of the load for which our client's and our server's event loops last ran on one CPU
(/proc/<pid>/stat field 39, every 50 ms), mean over rounds: the kernel keeps them on one CPU for whole loads
at times, and the load then runs at about half the rate with about twice the wait
(docs/bench-tunnel-auto-loopback-2026-12-05.md): compare figures of the same placement.${notes(r.notices)}

## Results

${latencyTables(r.settings, r.records)}${failures(r.records)}
`;
}

export interface SessionsReport {
  env: Environment;
  sessions: number;
  bulkSessions: number;
  bytes: number;
  warmupBytes: number;
  warmEchoes: number;
  freshClient: boolean;
  records: readonly SessionsRecord[];
  notices: readonly string[];
}

/** The warm echo steps of a record, one row each, numbered from 2 (the first echo step is the cold one). */
function warmEchoRows(r: SessionsRecord): string[][] {
  return r.warmEchoes.map((e, i) => [
    r.pair,
    r.setting,
    String(r.round),
    String(i + 2),
    fixed(e.sec, 2),
    fixed(e.cpuServerSec, 2),
    fixed(e.cpuClientSec, 2),
    fixed(e.udpDrops, 0),
    fixed(e.load, 2),
  ]);
}

function warmEchoesMarkdown(r: SessionsReport, done: readonly SessionsRecord[]): string {
  if (r.warmEchoes === 0) return '';
  const head = [
    'pair',
    'setting',
    'round',
    'echo',
    'echo s',
    'server CPU s',
    'client CPU s',
    'UDP drops',
    'load 1 min before',
  ];
  return `

## Warm echoes

${
  r.freshClient
    ? `After the first echo step (above) and its RSS reading, ${r.warmEchoes} more through the same server, the
first (echo 2) through a client process started for it (--fresh-client): ${r.sessions} new sessions, one
connection each echoing ${ECHO_BYTES / 1024} KiB; the later ones through that client's sessions again,
${SETTLE_MS / 1000} s apart. Echo 2 finds the server's packet path warm (in ours, run by V8 long enough to be
optimized) but opens its sessions as the first did (the old ones stay open until their keep-alive timeout);
time, CPU and drops as in the first, client CPU the new client's.`
    : `After the first echo step (above) and its RSS reading, ${r.warmEchoes} more through the same processes: the same
${r.sessions} sessions, ${r.sessions} new connections (and streams) at once, each echoing ${ECHO_BYTES / 1024} KiB,
${SETTLE_MS / 1000} s apart. Unlike the first, these find the sessions open and the packet path warm (in ours,
run by V8 long enough to be optimized); time, CPU and drops as in the first.`
}

${table(head, done.flatMap(warmEchoRows))}`;
}

function sessionsRow(r: SessionsRecord, sessions: number): string[] {
  const perSessionKiB = (r.serverKiB - r.idleServerKiB) / sessions;
  return [
    r.pair,
    r.setting,
    String(r.round),
    kibAsMib(r.idleServerKiB),
    kibAsMib(r.serverKiB),
    kibAsMib(r.serverHwmKiB),
    fixed(perSessionKiB, 0),
    fixed(r.echoSec, 2),
    fixed(r.idleServerCpuSec, 2),
    fixed(r.echoCpuServerSec, 2),
    fixed(r.echoCpuClientSec, 2),
    fixed(r.echoUdpDrops, 0),
    load(r),
  ];
}

function bulkRow(r: SessionsRecord): string[] {
  const gib = r.bulkBytes / GIB;
  return [
    r.pair,
    r.setting,
    String(r.round),
    fixed(r.bulkBytes / MIB / r.bulkSec, 1),
    `${fixed(r.bulkFirstSec, 2)} / ${fixed(r.bulkSec, 2)}`,
    `${fixed(r.bulkCpuClientSec / gib, 1)} / ${fixed(r.bulkCpuServerSec / gib, 1)}`,
    `${fixed(r.bulkWaitClientSec, 2)} / ${fixed(r.bulkWaitServerSec, 2)}`,
    fixed(r.bulkUdpDrops, 0),
    fixed(r.referenceMs, 0),
    load(r),
  ];
}

function load(r: SessionsRecord): string {
  return `${fixed(r.loadBefore, 2)} / ${fixed(r.loadAfter, 2)}`;
}

function bulkWarmupText(bytes: number): string {
  return bytes === 0
    ? ' cold (no warm-up);'
    : ` first an unmeasured upload of ${fixed(bytes / MIB, bytes % MIB === 0 ? 0 : 2)} MiB through each session (the warm-up), then`;
}

export function sessionsMarkdown(r: SessionsReport): string {
  const head = [
    'pair',
    'setting',
    'round',
    'server RSS idle MiB',
    `server RSS ${r.sessions} sessions MiB`,
    'server peak MiB',
    'KiB per session',
    'setup + echo s',
    'server CPU s before',
    'server CPU s',
    'client CPU s',
    'UDP drops',
    'load 1 min before / after',
  ];
  const bulkHead = [
    'pair',
    'setting',
    'round',
    `${r.bulkSessions} bulk sessions MiB/s`,
    'first / last upload done s',
    'CPU s per GiB client / server',
    'waiting for a CPU s client / server',
    'UDP drops',
    'reference work CPU ms',
    'load 1 min before / after',
  ];
  const done = r.records.filter((rec) => rec.error === undefined);
  return `# Tunnel sessions, ${r.env.date}

${environmentMarkdown(r.env)}

Pairs are client-server (\`ts\` ours, \`go\` kcptun 20210922), fresh processes for each step, on 127.0.0.1;
with more than one round the pairs alternate within each.

- **many sessions**: the client runs with \`-conn ${r.sessions}\`; ${r.sessions} TCP connections are opened at
  once, and round robin gives each its own KCP session (both clients dial a slot's session on its first
  connection). Each sends ${ECHO_BYTES / 1024} KiB that the target echoes back, checked byte for byte.
  **setup + echo** runs from the first connect to the last echo checked; CPU is utime + stime of each
  process over that time; **server CPU s before** is the server's from its start to the RSS reading before
  the first connection (loading, listening, anything done before the first client). RSS (VmRSS) is read
  ${SETTLE_MS / 1000} s before the first connection and ${SETTLE_MS / 1000} s after the last echo, with every
  session still up; **KiB per session** is their
  difference over ${r.sessions}. **UDP drops**: datagrams the kernel dropped over the echo because a UDP
  socket's receive buffer was full (/proc/net/snmp RcvbufErrors, every socket of the benchmark's network
  namespace, so any other process's drops count too); with Go's client they are the server's listening
  socket's, and the client sends each of them again.
- **bulk sessions**: fresh processes with \`-conn ${r.bulkSessions}\`,${bulkWarmupText(r.warmupBytes)} ${r.bulkSessions} uploads of
  ${fixed(r.bytes / MIB, 0)} MiB of random data at once, each on its own session and sha256-checked at the
  sink; MiB/s is all bytes over the time until the last one was hashed, **first / last upload done** when
  the first and the last were (far apart: the sessions did not share the tunnel evenly). **Waiting for a
  CPU** is the time the process's threads were runnable but not running (/proc schedstat, summed over
  threads): large, the machine's other work held the tunnel back, whatever its CPU cost per GiB. **UDP drops**
  as in the echo, over the measured uploads. **Reference
  work** is the CPU time the benchmark takes, just before the step, for ${REFERENCE_PACKETS} datagram
  encryptions (machine-speed.ts): the machine's speed then, which the load average does not show; the CPU cost per GiB
  of both pairs tends to rise with it.${notes(r.notices)}

## Many sessions

${table(
  head,
  done.map((rec) => sessionsRow(rec, r.sessions)),
)}${warmEchoesMarkdown(r, done)}

## Bulk sessions

${table(bulkHead, done.map(bulkRow))}${failures(r.records)}
`;
}
