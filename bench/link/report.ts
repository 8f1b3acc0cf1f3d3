/** The benchmark's markdown: verdict first, then the table, the chart, the method and the emulator's figures. */
import type { AccuracyReport, DelayScenario } from './accuracy.js';
import { competitionSection } from './competitor.js';
import { IDLE_PROBES, PROBE_IN_FLIGHT, PROBE_LINK_SHARE, probeIntervalMs } from './endpoint-protocol.js';
import { fast3Settings, windowForBdp } from './kcp-settings.js';
import { bdpBytes, DEFAULT_RATE_MBIT, downloadBytes, type LinkProfile, meanLoss } from './profiles.js';
import { isWarm, type RunResult } from './run.js';
import { changesSection } from './schedule.js';
import { goodputRange, representativeRuns, withPooledProbes } from './summary.js';
import type { TransportId } from './transports.js';

/**
 * What bounds `-mode auto`, read from its trace (KCPTUN_CC_TRACE=file: one line per session every ~100 ms
 * with the controller's state, windows and what held new data back) on 2026-12-02's tuning runs.
 */
const AUTO_DIAGNOSIS = [
  '## What bounds `-mode auto` (from its trace)',
  '',
  '`KCPTUN_CC_TRACE=/path/file` makes every `-mode auto` session append a line every ~100 ms to',
  "`/path/file.<pid>`: the controller's state, bandwidth, min RTT, cwnd, in-flight data, pacing rate, the",
  "windows (snd_wnd, the peer's rcv_wnd, snd_nxt − snd_una), what held new data back in the last flush",
  '(`cwnd`, `rmt-wnd`, `snd-wnd`, `pacer`, `budget` or `data`), the parity count, the retransmissions (and of',
  'those the spurious ones), and the ms each limit has held since the session began (`ms_*`; `data` split',
  'into `refill`, the short queue emptied while smux held more, and `data`, nothing more to send, which',
  'includes the idle time before a download and its tail). What it showed:',
  '',
  "- Before this run, 100 ms/5 % was held by smux v2's stream window, not by KCP: `data` (nothing to send)",
  '  with 0.8-1.6 k segments in flight, the 2 MiB `-streambuf` less its half-window update. `-mode auto` now',
  '  sets 16 MiB smux buffers (21.7 → 31-35 Mbit/s in single tuning runs).',
  "- 150 ms/10 %: ACKs are lost too, and KCP's una then covers segments a few ms after their retransmission.",
  '  Those ACKs answer the earlier transmission; taken as rate samples they ended a round each, so Startup',
  '  saw three rounds without growth and ended at 7-14 Mbit/s, and ProbeBW then crept up by a few % per',
  '  cycle. Such ACKs no longer carry a sample (14.3 → 21-27 Mbit/s in tuning runs).',
  '- The receive window (2 × in-order rate × RTT) bound Startup on lossy links (`rmt-wnd`): the in-order',
  '  rate stalls behind every hole. It now also doubles when the segments held behind a hole span half of',
  '  it, and follows 4 round trips of rate (cap 16384 segments).',
  '- 50 ± 30 ms: the min RTT is the luckiest sample (67 ms against ~140 ms smoothed); the in-flight cap',
  '  (`cwnd`) then held Startup to ~1.4× growth per round. The cap now adds the RTT spread above the last',
  "  round's lowest sample (at most 2 min RTTs), which jitter raises and a standing queue does not.",
  '- With 16 MiB on a 200-300 ms round trip, the whole transfer lasts 12-20 round trips. Startup began from',
  '  4 segments, not 32: the idle round trips before the download left tiny app-limited bandwidth samples,',
  "  and the cap and pacing rate were the model's alone. Startup now has a slow-start floor (the initial",
  "  window plus what was delivered, below the model's target, as BBR grows cwnd), its in-flight gain is",
  "  BBRv3's 2, the cap's RTT is bounded by the mean RTT of Startup's least loaded round, and it also ends",
  '  when the smoothed RTT rises a quarter min RTT above that mean: on 100 ms/5 %, 50 Mbit/s the queue',
  "  drops of Startup's overshoot (437-1931 in tuning runs) went to 0-292 (292 in this run), goodput up.",
  '- On this 2-core machine, with both tunnel ends and the forwarder on it and other work alongside, the',
  "  100 Mbit/s rows are bound by CPU: the sender's flushes fall behind its pacing rate (`data`/`pacer`",
  '  with the pacing rate above what leaves), and no KCP row reaches the link rate.',
  "- Short round trips (25 ms): Startup's baseline RTT needs 16 samples from one round, and a round there",
  '  had about 9 ACKs, so neither the delay exit nor the bound on the cap worked (400-800 queue drops at',
  "  Startup's end). The baseline now pools several rounds, counting only samples taken with 32 or more",
  '  segments in flight (an idle baseline ended Startup at a fifth of the rate on the jitter profile).',
  '  Once a min RTT is known the initial window is 128 segments per 100 ms of it (at least 128), paced at',
  "  Startup's gain, and each auto end announces its smux stream window at the session's start so a cold",
  "  stream is not held to smux's initial 256 KiB until its first window update; the receive",
  '  window doubles when held segments span a quarter of it; a parity period lasts two round trips at least',
  "  (a shorter one read half the loss during Startup's growth and dropped parity from 3 to 0 on 100 ms/5 %).",
  '- Long lossy links (150 ms/10 %): a 16 MiB download lasts 12-16 round trips, and Startup grows 1.7-1.9×',
  '  per round (in-flight gain 2, less loss and ACK delay): 6 rounds from 128 to ~1800 segments in flight,',
  '  about 4,100 segments sent where full speed would send 9,000. Faster growth overflows a one-BDP queue',
  '  (a 256-segment initial window: 27-149 drops), because every delay signal lags a round trip; fast3',
  '  sends its whole window at once and no queue limits it there. Loss is not what slows Startup there:',
  '  FEC repairs most of it (retransmissions were 3-5 % of transmissions in its first second). The cap',
  '  (2 × bw × RTT) is: a flight paced out after the burst of ACKs that released it has rate samples that',
  "  start at that burst's last ACK, over more than a round trip. Startup then leaves with about 2 BDPs in",
  '  flight where CPU holds delivery near 80 Mbit/s, and Drain (0.35×) takes a round trip to empty it.',
  '  Tried and not kept: a floor that also grows through the first initial window of deliveries and',
  '  app-limited ones, paced as half its size (same ramp; 26-188 queue drops on 150 ms/10 % and jitter,',
  '  where TCP BBR has none), and that with a Startup cap of 2 × bw / (1 − loss) (98-324 drops there).',
  "- Startup's ramp, traced per 25 ms (100 ms/5 %, 150 ms/10 %): Startup took 1.6-1.7 s of a 2.8 s transfer",
  '  and 2.6-2.8 s of 4 s. Two things held its slow-start floor back. One empty send queue as the first RTT',
  "  sample came (the writer refills KCP's 32-segment queue a moment later) made that round's whole flight",
  '  app-limited, so the floor stayed at 128 segments for two round trips. And the floor stopped at 2 × the',
  "  model's BDP, whose bandwidth is 0.75-0.85 of the flight per RTT (a flight paced out after the ACKs that",
  '  released it has samples over more than a round trip), so it grew 1.6-1.7× per round. The floor now counts',
  "  app-limited segments sent with half the cap or more in flight (Linux's slow-start cwnd-limited rule) and",
  "  grows to BBR v1's 2.885 BDPs while the newest RTT sample shows no queue, 2 BDPs once one does: Startup",
  '  ends 200-270 ms earlier on 100 ms/5 % and 190-400 ms on 150 ms/10 % (2 traced pairs each), goodput',
  '  +5 to +21 % on 100 ms/5 % (4 A/B pairs) and -3 to +5 % on 150 ms/10 %; the other profiles moved within',
  "  noise, queue drops stayed below TCP BBR's (0 on 150 ms/10 % and the VPS path). Tried and not kept: the",
  '  2.885 BDP target whatever the RTT shows (752 queue drops on 100 ms/5 %, 50 Mbit/s, one run), and a second',
  '  copy of every retransmission once the sender is out of data (tail unchanged: most of the 0.2-0.6 s after',
  "  the last new segment is that segment's own round trip and the retransmissions it reveals), and a",
  '  128-segment first flight paced at an assumed 200 ms RTT (-6 to +8 % in 2 pairs at load 2.6-8.5;',
  '  146 queue drops on 150 ms/10 % once, where TCP BBR has none). What bounds these rows now: a ramp',
  '  that doubles from 128 segments (after a first round trip of 32 that waits for an RTT sample), then',
  '  cruises near the ~90 Mbit/s CPU allows, plus ~1.5 round trips of tail, moves 16 MiB in ~3.5 s on',
  '  150 ms/10 % (~38 Mbit/s) and ~2.7 s on 100 ms/5 % (~50); the 1.2× targets (65 and 73) need 7 and 9',
  '  round trips in all, i.e. about a BDP in flight from the first round trip, as fast3 sends its whole',
  '  window at once.',
  "- A cold session's first round trip (traces, 100 ms/5 % and 150 ms/10 %): the download's server session",
  '  has no RTT sample yet, so it sends 32 segments unpaced and waits for their ACK (308 ms on 150 ms/10 %)',
  "  while KCP's 200 ms initial RTO resends all 32; the ramp from 128 then grows 1.6× in its first round",
  "  (the floor's target, 2.885 × the model's BDP, lags the first ACKs) and about 2× in the next. Tried and",
  '  not kept: the round trip measured before the first request (the auto client dialling its sessions at',
  '  start, each end sending one smux NOP, a keep-alive, as a session starts; the first flight is then 128',
  '  segments, paced). It saves that round trip (A/B alternating, load 1.3-10: 100 ms/5 % 40.5 → 42.0 Mbit/s',
  '  mean of 14 and 15 runs, 150 ms/10 % 29.7 → 31.5 of 10 and 11, 50 Mbit/s 29.8 → 30.3 of 30 and 31), but',
  '  the ramp, a round trip earlier, meets the 50 Mbit/s bottleneck in another phase: queue drops there in 15',
  "  of 31 runs (69-467) against 4 of 37 (17-197). Startup's delay exit lags a round, and a round that lands",
  '  just above the BDP is followed by one at the cap (2 BDPs of data plus the allowances for the RTT spread',
  '  and the ACK period, parity on top) or at a floor grown to 2.885 BDPs while the newest sample showed no',
  '  queue, past the one-BDP queue; which profile meets it depends on the phase (before, 100 ms/5 % dropped',
  '  376-1116 in 2 of 16 runs, with it 265 in 1 of 15). It needs a Startup exit that does not lag the queue.',
  "  Since then Startup holds its cap (grows by a quarter of what is delivered, HyStart++'s Conservative Slow",
  '  Start) once the smoothed RTT rises clamp(min RTT / 8, 4, 16) ms above its baseline, within the round the',
  '  queue appears, and the round trip is measured before the first request again: 100 ms/5 %, 50 Mbit/s',
  '  with that measurement, 95-169 queue drops in 3 of 3 runs without the hold, none in 6 runs with it.',
  '- Request/response: one session is one ordered KCP stream, so a request beside a download waited behind',
  "  the download's in-flight data and, on a lossy link, behind each of its holes until retransmitted (p50",
  '  1.5-2.4× the idle round trip in the run before). The auto client now dials 2 sessions and puts each',
  '  new connection on the least loaded, and a session with at most 4 segments unacknowledged sends each',
  '  new one twice, in two datagrams, so a lost request does not wait out an RTO.',
  '- Parity at a bottleneck: full parity (10/3) carried about a third of the 10 Mbit/s of 50 ms/1 % (7.2',
  "  Mbit/s at 1.38× wire bytes). A sender at the path's rate displaces a data packet with every parity",
  "  packet, and a group's m parity packets repair fewer than m losses on average, so no parity count is",
  '  cheaper there than retransmitting. Parity now stops while the pacer or the in-flight cap holds the',
  '  sender back past Startup, and follows the loss for what is sent with the path to spare (Startup, the',
  '  last flight, interactive traffic): 7.5-7.6 → 8.8-8.9 Mbit/s, 1.31-1.33× → 1.13-1.14× in A/B runs.',
  '- What else the wire carries there (traces): headers at the default -mtu 1350 (IP, UDP, nonce and',
  '  checksum, FEC, KCP: ~6 %), 1 % of real retransmissions, ~0.5 % spurious ones, full parity on the first',
  "  1024 segments (~2 %, for the peer's autotune) and the ACK stream (~2 %). The spurious retransmissions",
  '  (70 of 177 at 50 ms/1 %, 838 of 2,299 at 150 ms/10 %) come in steps of about 10, the ACKs of one ACK',
  '  datagram: KCP acknowledges a segment once and una stops at the lowest hole, so the segments a lost ACK',
  '  datagram covered stay unacknowledged until fast retransmit resends them. At 100 ms/5 %, 50 Mbit/s,',
  "  16 MiB is ~3 s at the rate, 15 round trips: the request's round trip and Startup's ramp from 128",
  '  segments to a BDP (~900, 3 rounds) bound the transfer to ~37-39 Mbit/s however fast the rest runs;',
  '  the steady state ran at ~38 Mbit/s (80 % of the rate less the loss).',
  "- That ~38 was parity's share, not the model's: Startup sends parity (3 per 10 data packets at 5 % loss)",
  '  beside the data, and its delivery samples count the data alone, so at a full 50 Mbit/s pipe they read',
  '  33-36 Mbit/s, 10/13 of the segment rate. Startup ended there, parity stopped, and the model kept that',
  '  rate: Drain emptied the pipe to ~0.8 BDP and ProbeBW cruised at 39 Mbit/s until its probes found 45',
  "  (~0.5 s, a sixth of the transfer). The controller now also keeps the path's rate, each sample scaled",
  '  by the parity share it was sent with, over 3 rounds, and past Startup sends data at that less the',
  '  parity sent now (ProbeBW started at 50 Mbit/s in its trace); the pacer adds the parity sent now, not',
  '  a wire ratio over the last MiB that still held the parity Startup sent. Not in Startup (the parity',
  "  count falls during Startup's ramp, 3 → 1 on the jittery link, and the cap grew with it past a one-BDP",
  "  queue: 166-357 drops), nor for longer (Startup's scaled samples carry their noise 1.3× higher: held",
  '  10 rounds they paced 6 % above the 100 Mbit/s link of 25 ms, 0 %). 10 A/B pairs (load 0.8-8):',
  '  28.4-30.3 → 27.8-31.9 Mbit/s, mean 29.2 → 30.1; in the two on a quiet machine (load 0.8-1.8) 29.4 →',
  '  30.6 and 28.8 → 30.8, 100 ms/5 % 43.9 → 46.3 and 42.1 → 46.3, 3 % bursty 51.2 → 61.5 and 58.2 → 60.8,',
  "  the others level. Queue drops went above TCP bbr's in 4 of 23 runs of the CPU-bound 25 ms rows (1",
  '  of 23 before) and in 2 of 11 on 50 ± 30 ms (1 of 11 before), those with it all under load 3.9-12.8.',
  "  What is left on this profile is the transfer's shape: its best goodput is 50 × 1298/1378 (headers)",
  '  × 0.95 (loss) = 44.7 Mbit/s; 16 MiB at that takes 3.0 s, plus the request and the first data (one',
  '  round trip, 0.2 s) gives 41.9 Mbit/s for a sender that starts at full rate and loses nothing at the',
  "  end; the last flight's losses cost another round trip or two (0.3-0.4 s in the traces), and Startup",
  '  from 128 segments to a BDP about 6 rounds at 1.5-1.9× per round. So 42.8 (90 % of the rate less the',
  '  loss) is out of reach for a 16 MiB transfer; a longer one approaches it.',
  '- Spurious retransmissions: a run of 3 or more segments above a hole that gets its fast-retransmit',
  "  votes right after a gap in the peer's FEC seqids is now taken as acknowledged by the lost ACK datagram",
  '  (src/kcp/ack-loss.ts) and waits for una, and a segment times out no earlier than the latest RTT sample',
  "  plus the RTO's margin (in Startup's queue the RTO lagged the RTT and fired for nothing). A/B, all 8",
  '  profiles twice (load 0.8-2.4): retransmissions 281-292 → 104-124 on 50 ms/1 %, 10 Mbit/s (wire 1.133',
  '  → 1.116-1.119, p99 422 → 372-384 ms, 8.92 → 8.95-9.00 Mbit/s), 1582-1687 → 1026-1196 on 150 ms/10 %',
  '  (wire 1.49-1.52 → 1.48), 175-308 → 90-108 on 50 ± 30 ms; goodput level elsewhere. Held at the end',
  '  of a transfer, such runs cost 150 ms/10 % 0.5-1 s (a hole whose repair was lost waited out its RTO',
  "  without the resent runs' ACKs to vote for it), so nothing is held once no new data is left.",
  '- A warm session (the same download again through the same tunnel 12 s later, `--warm-idle-s`): its trace',
  "  on 150 ms/10 % showed three things. The new stream's first round trip was held to 202 segments by smux",
  "  v2's initial 256 KiB window (a new stream now assumes the window the peer advertised on the session);",
  '  the min RTT had expired in the idle time, so the first samples put it into ProbeRTT, half a BDP for',
  '  200 ms and a round (a restart from idle now refreshes the min RTT with its sample, as BBR does); and',
  '  once the first was gone, a gain cycle that grew before the first transfer ended re-entered Startup on',
  "  an idle keep-alive's ACK (or on the bandwidth coming back from a restart's first low samples), so the",
  '  next transfer began at 2.885× the full rate: 4,089-6,251 queue drops in 3 of 10 warm runs (then only',
  '  growth past the highest bandwidth the session knew, on a sample that is not app-limited, re-entered it;',
  '  the return to Startup is gone since, see ProbeBW below).',
  '  Warm -mode auto, before → after, 4 back-to-back pairs (load 1.0-4.3): 100 ms/5 % 56.1, 56.8, 54.6, 63.5',
  '  → 65.9, 61.8, 62.5, 62.5 Mbit/s; 150 ms/10 % 49.7, 44.3, 47.5, 45.9 → 50.9, 50.6, 58.5, 54.7; 100 ms/5 %/',
  '  50 Mbit/s 38.1, 36.8, 36.0, 37.5 → 38.2, 39.5, 40.1, 38.6; the VPS path level (9.06-9.15); 0 queue drops',
  '  warm. A cold download meets only the last change, and moved within noise (2 pairs: 100 ms/5 % 37.7,',
  '  44.9 → 46.0, 39.6; 150 ms/10 % 35.5, 33.2 → 33.4, 33.0; 50 Mbit/s 29.7, 32.3 → 31.9, 32.4, with queue',
  "  drops (288-304, Startup's overshoot) in 1 of 2 runs before and 2 of 2 after, as in 8 of 16 cold runs",
  '  of all builds without the seeding below). Tried and not kept: a new session from a host',
  "  another live session came from starting from that session's min RTT and smoothed RTT (RFC 9040's",
  '  sharing of RTT between connections to one host; the first flight then 128 segments paced at once, with',
  '  no spurious 200 ms RTO): cold goodput within noise (means of 5 runs against 9-10: +4 % on 100 ms/5 %,',
  "  +2 % on 150 ms/10 %), and Startup's overshoot dropped packets on 100 ms/5 %/50 Mbit/s in 6 of 8 runs",
  '  (87-326) against 8 of 16 without.',
  "- Parity in Startup's own queue: at 50 ms/1 %, 10 Mbit/s Startup's first flight (128 segments) already",
  '  exceeds the BDP (93), and Startup ended ~300 ms after the smoothed RTT showed its queue (102 → 144 ms),',
  "  ~600 segments sent with 3 parity per 10 (~1.2 % of the bottleneck's time, and a deeper queue for the",
  "  probe). Startup's ramp now counts as at the path's rate once the smoothed RTT is a quarter above the",
  "  one it began with (not the min RTT: on 50 ± 30 ms that rule cut Startup's parity with no queue). Back",
  '  to back, 5 runs with it and 3 without (load 0.8-3.4; 2 more without at 8-12 left out): bytes toward',
  '  the receiver 18.42-18.45 → 18.29-18.30 MB, wire 1.117 → 1.109×, probe p99 372-387 → 277-291 ms, goodput 8.90-8.98 → 8.96-9.07',
  '  Mbit/s, TCP bbr 8.98-9.11 in the same runs; 25 ms/2 %, 3 % bursty, 150 ms/10 % and 100 ms/5 %/50M',
  "  level (2-3 pairs each). The receiver's parity on its ACK-only datagrams (~0.5 % of the wire) stays: without",
  "  it the sender's retransmissions went 663-870 → 1159-1332 at 100 ms/5 %/50M, and with one parity per",
  '  group 1387-1571 → 2058-2080 at 150 ms/10 % (a lost ACK datagram leaves its segments unacknowledged',
  '  behind a hole until resent), for 0.3-0.5 % of the wire saved; level at 1 %.',
  '- ProbeBW on the jittery link (50 ± 30 ms, never reordered): its 1.25 probe lasted one min RTT, the',
  '  luckiest sample, about half a real round trip, so rate samples averaged it away and the model climbed',
  '  2-12 % per ~1 s cycle. The probe now lasts until data sent after it began is acknowledged and the',
  "  in-flight data holds 1.25 BDPs (BBR v2/v3 start a round with ProbeBW's UP and DOWN), its drain until",
  '  the in-flight data fits the path without a queue (min RTT plus the least RTT spread of recent rounds;',
  '  at most the later of a round and 2 min RTTs), the cruise between probes paces at most 1.02× what the path delivered',
  '  over the last 8 rounds, and a probe that raised the estimate 10 % is followed by the next once its',
  '  samples are in (docs/link-probe-bw-drain-2026-12-03.md). The return to Startup after a cycle that grew 1.15× is gone: it never',
  '  fired on jitter, and with probes back to back it paced at 2.885× a rate near the link (186-1,527 queue',
  '  drops in 3 of 6 bursty downloads, 0 in 8 without). Medians of 3-6 A/B pairs (load 1.9-6.1), cold /',
  '  warm: jitter 45.0 → 53.1 / 67.5 → 77.3 Mbit/s, bursty 54.1 → 60.2 / 72.7 → 79.3, the VPS path and',
  '  100 ms/5 %/50M level with 0 queue drops (docs/link-probe-bw-2026-12-03.md).',
  "- Our server with the Go client at its defaults (ts-auto-go): the Go client's 512-segment window bounds",
  '  the transfer, and a hole at its start holds the window for two round trips (the votes that find it,',
  '  then its repair), so about 512 segments move per two round trips. Parity had stopped there because the',
  "  window's rate read as the path's. Parity now stays full while a window holds the sender without a",
  '  queue, and on a link that needed retransmissions it falls only after 4 quiet periods in a row: about',
  '  500 of 512 segments in flight, 0.3-0.7 % retransmitted. Back to back (load 0.8-13): 25 ms/2 % 44.0 →',
  '  60.4, 100 ms/5 % 17.0 → 19.8, 100 ms/5 %/50M 17.0 → 18.9 Mbit/s; 150 ms/10 % stays at ~9.3, where',
  '  1.5 % of segments still need a repair with 3 parity per 10 (512 × 1,374 B per 0.62 s).',
];

/** The machine's load during the runs, one line (none for a report without it). */
function loadLine(loads: number[] | undefined): string[] {
  if (loads === undefined || loads.length === 0) return [];
  const sorted = [...loads].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return [
    `Machine load (1-minute load average before each run, 2 cores): min ${sorted[0].toFixed(1)}, median ` +
      `${median.toFixed(1)}, max ${sorted[sorted.length - 1].toFixed(1)}; other work shared the machine, so CPU-bound rows vary.`,
  ];
}

/** The runs during which the kernel dropped segments on the namespaces' loopback connections (loopback-drops.ts). */
export function disturbedLine(runs: readonly RunResult[]): string[] {
  const hit = runs.filter((r) => (r.loopbackTcpDrops ?? 0) > 0);
  if (hit.length === 0) return [];
  const which = hit.map(
    (r) => `${r.profile} ${r.transport} ${isWarm(r) ? 'warm' : 'cold'} (${r.loopbackTcpDrops} segments)`,
  );
  return [
    `Disturbed by the host: in ${which.join(', ')} the kernel dropped segments on the namespaces' own loopback`,
    'TCP connections (the data source to the tunnel server, the tunnel client to the fetcher), which stalls',
    "the source on its retransmission timer: those cells measured the host's TCP memory, not the transport.",
  ];
}

export interface BenchmarkReport {
  date: string;
  node: string;
  bytes: number;
  capMs: number;
  /** Runs per profile and transport; `runs` holds them all. */
  repeat: number;
  /** Idle time before each warm download, ms (0 or absent: cold runs only). */
  warmIdleMs?: number;
  /** `--changes` as given: the link changed during each download (absent: every link stayed fixed). */
  changes?: string;
  /** `--competitor` as given: a competing flow beside each download (absent: each had the link alone). */
  competitor?: string;
  /** The machine's 1-minute load average before each run (absent in older reports). */
  loadAverages?: number[];
  profiles: LinkProfile[];
  runs: RunResult[];
  accuracy: AccuracyReport | null;
}

const TCP_IDS: TransportId[] = ['tcp-cubic', 'tcp-bbr'];
const KCP_IDS: TransportId[] = ['go-kcptun', 'ts-kcptun', 'ts-auto'];
/** Goodputs within this ratio of each other are called a tie. */
const TIE_RATIO = 1.15;

function fmt(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined ? '–' : v.toFixed(digits);
}

function mbit(v: number): string {
  return v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

function runOf(report: BenchmarkReport, profile: string, id: TransportId): RunResult | undefined {
  return report.runs.find((r) => r.profile === profile && r.transport === id && r.ok);
}

function best(report: BenchmarkReport, profile: string, ids: TransportId[]): RunResult | undefined {
  let winner: RunResult | undefined;
  for (const id of ids) {
    const r = runOf(report, profile, id);
    if (r !== undefined && (winner === undefined || r.goodputMbit > winner.goodputMbit)) winner = r;
  }
  return winner;
}

/**
 * Below this many samples the nearest-rank p99 is their maximum (percentile in run.ts): a figure that one
 * sample makes or breaks.
 */
const P99_MIN_SAMPLES = 100;

/** `(N samples)` where the p99 beside it is their maximum, else nothing. */
function fewSamples(r: RunResult): string {
  return r.probe.samples < P99_MIN_SAMPLES ? ` (${r.probe.samples} samples)` : '';
}

function p99Cell(r: RunResult): string {
  return `${fmt(r.probe.p99Ms, 0)}${fewSamples(r)}`;
}

function overhead(r: RunResult): string {
  return `${fmt(r.wire?.perDeliveredByte, 2)}×`;
}

function verdictLine(report: BenchmarkReport, p: LinkProfile): string | null {
  const tcp = best(report, p.id, TCP_IDS);
  const kcp = best(report, p.id, KCP_IDS);
  if (tcp === undefined || kcp === undefined) return null;
  const ratio = kcp.goodputMbit / tcp.goodputMbit;
  const head =
    ratio >= TIE_RATIO
      ? `**KCP wins, ${ratio.toFixed(ratio >= 10 ? 0 : 1)}×**`
      : ratio <= 1 / TIE_RATIO
        ? `**TCP wins, ${(1 / ratio).toFixed(1)}×**`
        : '**about even**';
  return (
    `- ${p.label} (${p.rateMbit} Mbit/s): ${head}: best KCP ${mbit(kcp.goodputMbit)} Mbit/s (${kcp.label}) at ` +
    `${overhead(kcp)} wire bytes per delivered byte, best TCP ${mbit(tcp.goodputMbit)} Mbit/s (${tcp.label}) at ` +
    `${overhead(tcp)}; request/response p99 ${fmt(kcp.probe.p99Ms, 0)} ms over KCP vs ${fmt(tcp.probe.p99Ms, 0)} ms over TCP.`
  );
}

function range(values: number[], digits: number): string {
  const lo = Math.min(...values).toFixed(digits);
  const hi = Math.max(...values).toFixed(digits);
  return lo === hi ? `${lo}×` : `${lo}× to ${hi}×`;
}

/** `25 ms/2 %`, `100 ms/5 %/50 Mbit/s`: short enough to list several in one sentence. */
function shortLabel(p: LinkProfile): string {
  const jitter = p.jitterMs === undefined ? '' : ` ± ${p.jitterMs}`;
  const bursty = p.gilbertElliott === undefined ? '' : ' bursty';
  const base = `${p.oneWayDelayMs}${jitter} ms/${+(meanLoss(p) * 100).toFixed(2)} %${bursty}`;
  return p.rateStated ? `${base}/${p.rateMbit} Mbit/s` : base;
}

function labels(ps: LinkProfile[]): string {
  if (ps.length === 0) return 'none';
  const names = ps.map(shortLabel);
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The verdict's opening paragraph: KCP against each TCP, and what it costs. */
function summary(report: BenchmarkReport): string[] {
  const out: string[] = [];
  const lossy = report.profiles.filter((p) => meanLoss(p) > 0);
  const vsCubic = lossy
    .map((p) => [best(report, p.id, KCP_IDS), runOf(report, p.id, 'tcp-cubic')] as const)
    .filter(([k, t]) => k !== undefined && t !== undefined)
    .map(([k, t]) => k!.goodputMbit / t!.goodputMbit);
  if (vsCubic.length > 0) {
    const wins = vsCubic.filter((r) => r >= TIE_RATIO).length;
    out.push(
      `Against TCP cubic (Linux's default), KCP is faster on ${wins} of ${vsCubic.length} lossy links, ${range(vsCubic, 0)} as fast.`,
    );
  }
  const bbr = { wins: [] as LinkProfile[], even: [] as LinkProfile[], losses: [] as LinkProfile[] };
  for (const p of report.profiles) {
    const k = best(report, p.id, KCP_IDS);
    const t = runOf(report, p.id, 'tcp-bbr');
    if (k === undefined || t === undefined) continue;
    const ratio = k.goodputMbit / t.goodputMbit;
    (ratio >= TIE_RATIO ? bbr.wins : ratio <= 1 / TIE_RATIO ? bbr.losses : bbr.even).push(p);
  }
  if (bbr.wins.length + bbr.even.length + bbr.losses.length > 0) {
    out.push(
      `Against TCP BBR it wins on ${labels(bbr.wins)}, is even on ${labels(bbr.even)} and loses on ${labels(bbr.losses)}.`,
    );
  }
  const kcpOverhead = report.profiles
    .map((p) => best(report, p.id, KCP_IDS)?.wire?.perDeliveredByte)
    .filter((v): v is number => v !== undefined && v !== null);
  const tcpOverhead = report.runs
    .filter((r) => TCP_IDS.includes(r.transport) && r.ok)
    .map((r) => r.wire?.perDeliveredByte)
    .filter((v): v is number => v !== undefined && v !== null);
  if (kcpOverhead.length > 0 && tcpOverhead.length > 0) {
    out.push(
      `The price is bytes: the fastest KCP setting puts ${range(kcpOverhead, 2)} the delivered bytes on the wire, TCP ${range(tcpOverhead, 2)}.`,
    );
  }
  const pairs = report.profiles
    .map((p) => [runOf(report, p.id, 'go-kcptun'), runOf(report, p.id, 'ts-kcptun')] as const)
    .filter(([g, o]) => g !== undefined && o !== undefined);
  if (pairs.length > 0) {
    const speed = pairs.map(([g, o]) => o!.goodputMbit / g!.goodputMbit);
    const bytes = pairs.map(([g, o]) => (o!.wire?.perDeliveredByte ?? 0) / (g!.wire?.perDeliveredByte ?? 1));
    const slower = pairs.filter(([g, o]) => (o!.probe.p50Ms ?? 0) > (g!.probe.p50Ms ?? 0)).length;
    out.push(
      `With the same flags ours moves ${range(speed, 2)} Go kcptun's goodput at ${range(bytes, 2)} its wire bytes; ` +
        `its request/response p50 is longer than Go's on ${slower} of ${pairs.length} links (see below).`,
    );
  }
  return out.length === 0 ? [] : [out.join(' '), ''];
}

function oursVsGo(report: BenchmarkReport): string[] {
  const lines: string[] = [];
  for (const p of report.profiles) {
    const go = runOf(report, p.id, 'go-kcptun');
    const ours = runOf(report, p.id, 'ts-kcptun');
    if (go === undefined || ours === undefined) continue;
    const speed = ours.goodputMbit / go.goodputMbit;
    const bytes = (ours.wire?.perDeliveredByte ?? 0) / (go.wire?.perDeliveredByte ?? 1);
    lines.push(
      `| ${p.label} | ${mbit(go.goodputMbit)} | ${mbit(ours.goodputMbit)} | ${speed.toFixed(2)} | ` +
        `${overhead(go)} | ${overhead(ours)} | ${bytes.toFixed(2)} | ` +
        `${fmt(go.probe.p50Ms, 0)} / ${fmt(go.probe.p99Ms, 0)} | ${fmt(ours.probe.p50Ms, 0)} / ${fmt(ours.probe.p99Ms, 0)} | ` +
        `${go.wire?.queueDrops ?? '–'} / ${ours.wire?.queueDrops ?? '–'} |`,
    );
  }
  if (lines.length === 0) return [];
  return [
    '## Ours vs Go kcptun with the same flags',
    '',
    '| link | Go Mbit/s | ours Mbit/s | ours/Go | Go wire/delivered | ours wire/delivered | ours/Go bytes | Go req/resp p50 / p99 ms | ours req/resp p50 / p99 ms | queue drops Go / ours |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...lines,
    '',
  ];
}

function goodputCell(all: readonly RunResult[], r: RunResult): string {
  if (r.receivedBytes === 0) return '0';
  const range = goodputRange(all, r);
  return range === null
    ? mbit(r.goodputMbit)
    : `${mbit(r.goodputMbit)} (${mbit(range[0])}–${mbit(range[1])})`;
}

/** For TCP, what `ss` showed on the live server socket is the proof that the setting took. */
function settingsCell(r: RunResult): string {
  if (r.congestionSeen === null) return r.settings;
  return `${r.settings} (socket: ${r.congestionSeen === '' ? 'not seen' : r.congestionSeen})`;
}

function resultTable(report: BenchmarkReport, all: readonly RunResult[]): string[] {
  const rows = [
    '| link | transport | goodput Mbit/s | req/resp p50 / p99 ms | wire bytes per delivered byte | link drops (loss / queue) | data | settings |',
    '|---|---|---:|---:|---:|---:|---|---|',
  ];
  for (const p of report.profiles) {
    for (const r of report.runs.filter((x) => x.profile === p.id)) {
      const data = !r.ok
        ? `failed: ${r.error ?? 'no data'}`
        : `${r.complete ? 'complete' : `${(r.receivedBytes / 2 ** 20).toFixed(1)} MiB by the cap`}, sha256 ok`;
      const probe = `${fmt(r.probe.p50Ms, 0)} / ${p99Cell(r)}`;
      const drops = r.wire === null ? '–' : `${r.wire.lossDrops} / ${r.wire.queueDrops}`;
      rows.push(
        `| ${p.label} | ${r.label} | ${goodputCell(all, r)} | ${probe} | ${overhead(r)} | ${drops} | ${data} | ${settingsCell(r)} |`,
      );
    }
  }
  return rows;
}

function scenarioRow(s: DelayScenario): string {
  const l = s.lateness;
  return (
    `| ${s.name} | ${fmt(s.ping.p50Ms, 2)} / ${fmt(s.ping.p99Ms, 2)} / ${fmt(s.ping.maxMs, 2)} | ` +
    `${fmt(s.excessP50Ms, 2)} / ${fmt(s.excessP99Ms, 2)} | ${l.p50Us} / ${l.p99Us} / ${l.p999Us} / ${l.maxUs.toFixed(0)} | ` +
    `${l.latePackets} of ${l.packets} | ${s.loadDeliveredMbit === null ? '–' : fmt(s.loadDeliveredMbit)} |`
  );
}

function accuracySection(a: AccuracyReport | null): string[] {
  if (a === null) return ['## Emulator accuracy', '', 'Not measured in this run (`--skip-accuracy`).', ''];
  const capacity = a.capacity.map(
    (c) =>
      `| ${c.offeredMbit} | ${fmt(c.sentMbit)} | ${fmt(c.deliveredMbit)} | ${fmt(c.lossPercent, 2)} | ${c.receiverSocketDrops} | ${c.ringDrops} | ${c.lateness.p99Us} / ${c.lateness.maxUs.toFixed(0)} | ${c.lateness.latePackets} |`,
  );
  return [
    '## Emulator accuracy and capacity',
    '',
    `Measured ${a.measuredAt.slice(0, 16).replace('T', ' ')} UTC. Delay, measured two ways: a UDP ping every 10 ms`,
    'between the namespaces (Node.js at both ends, run real-time below the forwarder; their own latency is the',
    "floor, measured with no delay configured), and the forwarder's lateness: how long after its due time each",
    'packet was written into the other TUN device (both directions, every packet).',
    '',
    `The machine itself: a real-time thread that only naps 100 µs at a time woke up ${fmt(a.timer.mean_us, 0)} µs late on`,
    `average and ${fmt(a.timer.max_us, 0)} µs at worst (${a.timer.late} of ${a.timer.wakeups} wake-ups over 1 ms): a virtual`,
    "machine's stalls, which bound any forwarder on it.",
    '',
    '| scenario | ping RTT p50 / p99 / max ms | RTT above configured + floor, p50 / p99 ms | forwarder lateness p50 / p99 / p99.9 / max µs | late > 1 ms | load delivered Mbit/s |',
    '|---|---:|---:|---:|---:|---:|',
    scenarioRow(a.floor),
    ...a.scenarios.map(scenarioRow),
    '',
    'Capacity: iperf3 UDP (1400-byte datagrams) through the link at 25 ms each way, no rate limit.',
    '',
    '| offered Mbit/s | sent Mbit/s | delivered Mbit/s | iperf3 loss % | of which receiver socket drops (pkts) | forwarder ring drops | lateness p99 / max µs | late > 1 ms |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...capacity,
    '',
    `One TCP flow (cubic, iperf3) through the same unlimited 25 ms link: ${fmt(a.tcpMbit)} Mbit/s.`,
    '',
  ];
}

/** How one value compares with its target, for the targets table. */
function check(value: number | null | undefined, target: number | null | undefined, atMost: boolean): string {
  if (value === null || value === undefined || target === null || target === undefined) return '–';
  const met = atMost ? value <= target : value >= target;
  return met ? 'met' : '**missed**';
}

/**
 * `-mode auto` against the targets it was built for (issue "self-tuning transport"): goodput against the
 * best of TCP bbr and tuned Go kcptun (1.2x on lossy links without a bottleneck; at least level and 90 % of
 * the bottleneck less the loss where the rate is the limit; 0.8x TCP's best on clean links), request/
 * response p99 within 1.5x TCP bbr's, p50 within 20 % of the idle round trip where no bottleneck queues,
 * queue drops no more than TCP bbr's, wire bytes no more than Go kcptun's.
 */
function autoTargets(report: BenchmarkReport): string[] {
  const lines: string[] = [];
  for (const p of report.profiles) {
    const auto = runOf(report, p.id, 'ts-auto');
    const bbr = runOf(report, p.id, 'tcp-bbr');
    const go = runOf(report, p.id, 'go-kcptun');
    if (auto === undefined) continue;
    const loss = meanLoss(p);
    const rivals = [bbr, go].filter((r): r is RunResult => r !== undefined).map((r) => r.goodputMbit);
    const bestRival = rivals.length === 0 ? null : Math.max(...rivals);
    const bestTcp = best(report, p.id, TCP_IDS)?.goodputMbit ?? null;
    let goodputTarget: number | null;
    let goodputRule: string;
    if (p.rateStated) {
      const floor = 0.9 * p.rateMbit * (1 - loss);
      goodputTarget = Math.max(bestRival ?? 0, floor);
      goodputRule = `≥ best, ≥ ${mbit(floor)}`;
    } else if (loss > 0) {
      goodputTarget = bestRival === null ? null : 1.2 * bestRival;
      goodputRule = '≥ 1.2× best';
    } else {
      goodputTarget = bestTcp === null ? null : 0.8 * bestTcp;
      goodputRule = '≥ 0.8× TCP';
    }
    const p99Target = bbr?.probe.p99Ms == null ? null : 1.5 * bbr.probe.p99Ms;
    const p50Target = p.rateStated || auto.probe.idleP50Ms === null ? null : 1.2 * auto.probe.idleP50Ms;
    const dropsTarget = bbr?.wire?.queueDrops;
    const wireTarget = go?.wire?.perDeliveredByte;
    lines.push(
      `| ${p.label} | ${mbit(auto.goodputMbit)} vs ${goodputTarget === null ? '–' : mbit(goodputTarget)} (${goodputRule}): ${check(auto.goodputMbit, goodputTarget, false)} | ` +
        `${p99Cell(auto)} vs ${fmt(p99Target, 0)}${bbr === undefined ? '' : fewSamples(bbr)}: ${check(auto.probe.p99Ms, p99Target, true)} | ` +
        `${p50Target === null ? 'bottleneck: –' : `${fmt(auto.probe.p50Ms, 0)} vs ${fmt(p50Target, 0)}: ${check(auto.probe.p50Ms, p50Target, true)}`} | ` +
        `${auto.wire?.queueDrops ?? '–'} vs ${dropsTarget ?? '–'}: ${check(auto.wire?.queueDrops, dropsTarget, true)} | ` +
        `${overhead(auto)} vs ${fmt(wireTarget, 2)}×: ${check(auto.wire?.perDeliveredByte, wireTarget, true)} |`,
    );
  }
  if (lines.length === 0) return [];
  return [
    '## `-mode auto` against its targets',
    '',
    "Each cell: ours auto's figure vs the target. Goodput: against the best of TCP bbr and tuned Go kcptun",
    '(1.2× on lossy links without a bottleneck; level and 90 % of the rate less the loss on bottlenecked',
    "ones; 0.8× TCP's best on clean ones). Request/response p99 within 1.5× TCP bbr's; p50 within 20 % of",
    "auto's own idle round trip (not applicable where a bottleneck rate is the limit); queue drops no more",
    "than TCP bbr's; wire bytes per delivered byte no more than Go kcptun's (FEC 10/3).",
    '',
    '| link | goodput Mbit/s | req/resp p99 ms | req/resp p50 ms vs idle +20 % | queue drops | wire bytes per delivered byte |',
    '|---|---|---|---|---|---|',
    ...lines,
    '',
  ];
}

/**
 * The second download on each tunnel next to the first: what a session that already carried a transfer
 * (over kcptun, a -mode auto controller with a model) does with the next one.
 */
function warmSection(full: BenchmarkReport): string[] {
  const warm = withPooledProbes(representativeRuns(full.runs.filter(isWarm)), full.runs);
  if (warm.length === 0) return [];
  const cold = representativeRuns(full.runs.filter((r) => !isWarm(r)));
  const rows: string[] = [];
  for (const p of full.profiles) {
    for (const w of warm.filter((r) => r.profile === p.id)) {
      const c = cold.find((r) => r.profile === p.id && r.transport === w.transport);
      if (c === undefined) continue;
      const ratio = w.ok && c.ok ? (w.goodputMbit / c.goodputMbit).toFixed(2) : '–';
      rows.push(
        `| ${p.label} | ${w.label} | ${goodputCell(full.runs, c)} | ${goodputCell(full.runs, w)} | ${ratio} | ` +
          `${c.wire?.queueDrops ?? '–'} / ${w.wire?.queueDrops ?? '–'} | ${overhead(c)} / ${overhead(w)} | ` +
          `${fmt(w.probe.p50Ms, 0)} / ${fmt(w.probe.p99Ms, 0)} |${w.ok ? '' : ` failed: ${w.error ?? 'no data'}`}`,
      );
    }
  }
  return [
    '## Warm tunnel: the same download again',
    '',
    `After each cold download above, the benchmark waited ${((full.warmIdleMs ?? 0) / 1000).toFixed(0)} s and downloaded the same`,
    'data again through the same tunnel, probe and all. Over kcptun that is the same KCP sessions: a',
    '`-mode auto` sender starts with the bandwidth and min-RTT model the first download left (and the idle',
    "time is past the model's 10 s min-RTT window); Go and ours fast3 keep nothing that sets their rate;",
    'TCP opens new connections (Linux may seed them from its cached metrics of the last one). The table',
    'above, the chart and the targets are the cold figures; this one is the warm one beside them.',
    '',
    '| link | transport | cold Mbit/s | warm Mbit/s | warm/cold | queue drops cold / warm | wire/delivered cold / warm | warm req/resp p50 / p99 ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ];
}

/** The Method's line for the profiles that move less than the run's size (LinkProfile.downloadBytesMax). */
function slowDownloads(report: BenchmarkReport): string[] {
  const less = report.profiles.filter((p) => downloadBytes(p, report.bytes) < report.bytes);
  if (less.length === 0) return [];
  const sizes = less.map((p) => `${p.label} ${(downloadBytes(p, report.bytes) / 2 ** 20).toFixed(1)} MiB`);
  return [`  Slow links move less: ${sizes.join(', ')}.`];
}

export function renderMarkdown(full: BenchmarkReport): string {
  const cold = full.runs.filter((r) => !isWarm(r));
  const report = { ...full, runs: withPooledProbes(representativeRuns(cold), cold) };
  const verdicts = report.profiles.map((p) => verdictLine(report, p)).filter((l): l is string => l !== null);
  const lines = [
    '# When KCP beats TCP: the link benchmark',
    '',
    '## Verdict',
    '',
    ...summary(report),
    ...verdicts,
    '',
    `Measured ${report.date.slice(0, 10)} on one 2-core machine with \`npm run bench:link\` (Node.js ${report.node});`,
    'both ends and the emulated link share those two cores. Chart: [link-benchmark.svg](link-benchmark.svg),',
    'raw data: [link-benchmark.json](link-benchmark.json).',
    ...loadLine(report.loadAverages),
    ...disturbedLine(full.runs),
    '',
    '## Results',
    '',
    ...resultTable(
      report,
      full.runs.filter((r) => !isWarm(r)),
    ),
    '',
    ...warmSection(full),
    ...changesSection(full.changes, full.runs),
    ...competitionSection(full.competitor, full.runs),
    '![goodput, request/response p99 and wire overhead per link and transport](link-benchmark.svg)',
    '',
    ...autoTargets(report),
    ...oursVsGo(report),
    '## Reading the numbers',
    '',
    "- Every kcptun mode (normal, fast, fast2, fast3) turns KCP's congestion window off (`nc=1`): a KCP sender",
    '  keeps its whole window in flight whatever the loss. That is why it holds its rate where TCP backs off,',
    "  and also why a window above the link's BDP only fills the bottleneck queue (longer request/response",
    '  times, queue drops, more retransmissions). `-mode auto` paces at its estimate of the bottleneck rate',
    '  and sizes its own windows and parity.',
    '- Wire bytes per delivered byte: FEC 10/3 alone costs 1.3×, headers (IP, UDP, nonce and checksum, FEC, KCP,',
    '  smux) about 6 % more, and every retransmission (after a loss, a queue drop or a timeout that fired early)',
    '  comes on top. TCP pays about 1.05× plus its retransmissions.',
    '- Request/response times are those of a second connection sharing the link; over kcptun fast3 it shares',
    '  the KCP session with the download, so it waits behind whatever the sender has queued; `-mode auto` puts',
    '  it on a second session, where it shares only the link (and, at a bottleneck, its queue).',
    '',
    ...AUTO_DIAGNOSIS,
    '',
    '## Method',
    '',
    `- Data: ${(report.bytes / 2 ** 20).toFixed(0)} MiB of pseudo-random (incompressible) bytes downloaded from namespace B to`,
    `  namespace A, stopped at ${report.capMs / 1000} s if not done; goodput = bytes received / time to the last byte (or the cap).`,
    ...slowDownloads(report),
    "  The receiver's sha256 is checked against the same prefix of the payload in every run.",
    '- Probe: alongside the download, a second connection (for kcptun: a second stream in the same tunnel, on',
    "  -mode auto's second session) sends a 64-byte request and gets a 1024-byte answer, each numbered: a",
    `  request every ${fmt(probeIntervalMs(DEFAULT_RATE_MBIT), 1)} ms on a ${DEFAULT_RATE_MBIT} Mbit/s link (its bytes ${+(PROBE_LINK_SHARE * 100).toFixed(2)} % of the link's rate: every`,
    `  ${fmt(probeIntervalMs(10), 0)} ms at 10 Mbit/s), left out while ${PROBE_IN_FLIGHT} are unanswered, so that it stays a thin stream`,
    "  (Linux's and -mode auto's thin-stream rules count 4 packets in flight); p50 / p99 of its round trips,",
    "  pooled over a row's repeated runs: one download on 100 ms/5 % or 150 ms/10 % holds 17-24, and a p99 of",
    `  fewer than ${P99_MIN_SAMPLES} samples is their maximum, shown with the count. Before the download starts it makes ${IDLE_PROBES}`,
    `  round trips on the idle link, the same way; the median of the last ${IDLE_PROBES - 1} is the idle round trip.`,
    '- Wire overhead: IP bytes that entered the emulated link, both directions, dropped or not, divided by the',
    '  application bytes delivered (download + probe). Counted by the forwarder.',
    '- Link: symmetric; the one-way delay and the loss apply in each direction (ACKs are lost too). Profiles that',
    '  name no rate run at 100 Mbit/s, the rate the emulator is rated for. A tail-drop queue of one bandwidth-delay',
    '  product sits in front of the rate limit (8 on the deep-queue profile). Bursty loss: a Gilbert-Elliott chain',
    '  (good to bad with p = 1.05 %, back with r = 30 %, 90 % loss in the bad state: 3 % on average, in bursts of',
    '  about 3). Jitter: uniform ±30 ms on the delay, without reordering.',
    '- TCP: Linux in the namespaces; the congestion control is set on the route between them (`ip route ...',
    '  congctl`, which applies to each connection, accepted ones included) and read back from the live server',
    '  socket with `ss`; TCP buffers may grow to 32 MiB so the window is never the limit.',
    '- kcptun fast3 rows, Go (Debian 20210922) and ours alike: `-mode fast3 -crypt aes -nocomp -smuxver 1`,',
    '  FEC 10/3, and `-sndwnd`/`-rcvwnd` set to the best window found for Go on that link: a sweep of Go kcptun',
    '  over 0.5, 1, 2, 4 and 8 BDPs of 1350-byte packets (`--transports go-kcptun --fast3-window-bdp F`), the',
    '  best median goodput kept ([link-window-sweep.md](link-window-sweep.md)). Windows used:',
    ...report.profiles.map(
      (p) =>
        `  - ${p.label}: ${p.fast3WindowBdp} BDP = ${fast3Settings(p).window} packets (BDP ${(bdpBytes(p) / 1e6).toFixed(2)} MB = ${windowForBdp(p, 1)} packets)`,
    ),
    '- Ours `-mode auto`: `-mode auto -crypt aes -nocomp` and nothing else: no window, FEC or smux flags.',
    '- Ours `-mode auto` to a Go client: our server with `-mode auto -crypt aes -nocomp -smuxver 1`, the Go',
    '  kcptun client (Debian 20210922) with its defaults: `-mode fast` (it flushes ACKs every 30 ms),',
    '  `-sndwnd 128 -rcvwnd 512`, FEC 10/3, smux v1, one session, which the probe shares with the download.',
    '- Run it as root: `npm run bench:link` (namespaces and TUN devices need root). It builds the C forwarder',
    '  (bench/link/forwarder.c) with gcc on first use and installs the Debian packages `kcptun` and `iperf3` when',
    '  missing. Options (`--profiles`, `--transports`, `--bytes`, `--cap-s`, `--repeat`, `--out`, `--skip-accuracy`,',
    '  `--fast3-window-bdp`, `--warm-idle-s`, `--ratelimit`)',
    '  are described at the top of bench/link/main.ts. The emulator by hand:',
    '  `node dist/bench/link/emulator-cli.js up|set|status|reset|down` (bench/link/emulator-cli.ts).',
    '',
    ...accuracySection(report.accuracy),
  ];
  return `${lines.join('\n')}\n`;
}
