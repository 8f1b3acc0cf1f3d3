/**
 * The link benchmark's profiles in the simulated KCP pair (test/kcp/kcp-pair-sim.ts): -mode auto as a
 * session runs it (configureAutoKcp, its pacer, FEC 10/3 with ParityTuner's parity unless --no-fec),
 * in simulated time, without sockets or the benchmark lock. Each seed downloads `--bytes` after the
 * round trip was measured (a tunnel session's RTT prime); goodput is timed as bench:link times it, from
 * the request (one one-way delay before the data) to the last byte.
 *
 *   node dist/bench/link-sim.js --profiles 150ms-10,25ms-2 --seeds 6 --mib 16
 *
 * Not modelled: Gilbert-Elliott loss (those profiles are skipped), the CPU, the session's per-turn send
 * budget and smux. Jitter is the emulator's uniform ± jitter, in order.
 */
import { parseArgs } from 'node:util';
import { AUTO_PAIR, type LinkOptions, Rng, runPair } from '../test/kcp/kcp-pair-sim.js';
import { bdpBytes, type LinkProfile, PROFILES } from './link/profiles.js';

/** The link benchmark's shape of -mode auto's FEC (kcptun's default 10/3). */
const FEC = { dataShards: 10, parityShards: 3 };
/** Bytes the sender writes and has acknowledged before the download: the round trip it measures. */
const PRIME_BYTES = 100;

function linkOf(p: LinkProfile, fec: boolean): LinkOptions {
  const jitter = p.jitterMs ?? 0;
  const rate = (p.rateMbit * 1e6) / 8 / 1000;
  return {
    loss: p.loss,
    dup: 0,
    delay: p.oneWayDelayMs - jitter,
    jitter: 2 * jitter,
    inOrder: true,
    rate,
    queueBytes: bdpBytes(p) * (p.queueBdp ?? 1),
    ...(fec ? { fec: FEC } : {}),
  };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      profiles: { type: 'string', default: PROFILES.map((p) => p.id).join(',') },
      seeds: { type: 'string', default: '6' },
      mib: { type: 'string', default: '16' },
      'no-fec': { type: 'boolean', default: false },
    },
  });
  const bytes = Number(values.mib) * 1024 * 1024;
  const seeds = Number(values.seeds);
  for (const id of values.profiles.split(',')) {
    const p = PROFILES.find((q) => q.id === id);
    if (p === undefined) throw new Error(`unknown profile ${id}`);
    if (p.gilbertElliott !== undefined) {
      console.log(`${id}: skipped (Gilbert-Elliott loss is not modelled)`);
      continue;
    }
    const link = linkOf(p, !values['no-fec']);
    const rates: number[] = [];
    let drops = 0;
    let wire = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const data = new Rng(seed).bytes(bytes);
      const options = { ...AUTO_PAIR, link, seed, primeBytes: PRIME_BYTES };
      const { bulkFromMs, a, b } = runPair(options, data, Buffer.alloc(0));
      if (b.mismatch !== -1 || b.receiveDoneMs < 0)
        throw new Error(`${id} seed ${seed}: incomplete or corrupt`);
      rates.push((bytes * 8) / (b.receiveDoneMs - bulkFromMs + p.oneWayDelayMs) / 1000);
      drops += a.queueDrops;
      wire += a.bytesOut / bytes;
    }
    const sorted = [...rates].sort((x, y) => x - y);
    const mean = rates.reduce((s, x) => s + x, 0) / seeds;
    console.log(
      `${id}: Mbit/s median ${sorted[seeds >> 1].toFixed(1)} mean ${mean.toFixed(1)} ` +
        `(${rates.map((r) => r.toFixed(1)).join(' ')}), queue drops ${drops} in ${seeds} runs, ` +
        `wire/delivered ${(wire / seeds).toFixed(3)}`,
    );
  }
}

main();
