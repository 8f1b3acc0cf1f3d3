/**
 * The link emulator by hand (root):
 *   node dist/bench/link/emulator-cli.js up [SET OPTIONS]     namespaces kcpbench-a/-b + forwarder
 *   node dist/bench/link/emulator-cli.js set [SET OPTIONS]    change the link
 *   node dist/bench/link/emulator-cli.js status [--json]      counts: forwarded, dropped, late
 *   node dist/bench/link/emulator-cli.js reset                zero the counts
 *   node dist/bench/link/emulator-cli.js down                 remove everything `up` created
 * SET OPTIONS: --dir a2b|b2a|both (default both) --delay MS --jitter MS --loss PERCENT
 *   --ge P,R,LOSS_BAD,LOSS_GOOD (Gilbert-Elliott, fractions) --rate MBIT --queue BYTES --seed N
 * Then e.g. `ip netns exec kcpbench-a ping 198.18.0.2`.
 */
import { parseArgs } from 'node:util';
import { BENCH_PLACE, DEFAULT_STATE_DIR, type EmulatorPlace, LinkEmulator, teardown } from './emulator.js';
import {
  type DirectionSettings,
  type DirectionStatus,
  type GilbertElliott,
  type LinkStatus,
  latenessPercentileUs,
  setCommand,
} from './link-settings.js';
import { ADDRESS_A, ADDRESS_B, NAMESPACE_A, NAMESPACE_B } from './netns.js';

const PERCENT = 100;

const OPTIONS = {
  dir: { type: 'string', default: 'both' },
  delay: { type: 'string', default: '0' },
  jitter: { type: 'string', default: '0' },
  loss: { type: 'string', default: '0' },
  ge: { type: 'string' },
  rate: { type: 'string', default: '0' },
  queue: { type: 'string', default: '0' },
  seed: { type: 'string' },
  json: { type: 'boolean', default: false },
  'state-dir': { type: 'string', default: DEFAULT_STATE_DIR },
} as const;

function numberOption(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new Error(`--${name}: not a number: ${text}`);
  return value;
}

function parseGe(text: string): GilbertElliott {
  const parts = text.split(',').map((t) => numberOption('ge', t));
  if (parts.length !== 4) throw new Error('--ge: expected P,R,LOSS_BAD,LOSS_GOOD');
  return { p: parts[0], r: parts[1], lossBad: parts[2], lossGood: parts[3] };
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function settingsOf(v: Values): DirectionSettings {
  return {
    delayMs: numberOption('delay', v.delay),
    jitterMs: numberOption('jitter', v.jitter),
    loss: numberOption('loss', v.loss) / PERCENT,
    gilbertElliott: v.ge === undefined ? undefined : parseGe(v.ge),
    rateMbit: numberOption('rate', v.rate),
    queueBytes: numberOption('queue', v.queue),
  };
}

async function applySet(emulator: LinkEmulator, v: Values): Promise<void> {
  const settings = settingsOf(v);
  const seed = v.seed === undefined ? undefined : numberOption('seed', v.seed);
  if (v.dir !== 'a2b' && v.dir !== 'b2a' && v.dir !== 'both') throw new Error('--dir: a2b, b2a or both');
  // validates every value; the forwarder applies `both` to the two directions at once
  setCommand('a2b', settings, seed);
  const aToB = v.dir === 'b2a' ? undefined : settings;
  const bToA = v.dir === 'a2b' ? undefined : settings;
  const current = await emulator.status();
  await emulator.configure({
    aToB: aToB ?? settingsFromStatus(current.a2b),
    bToA: bToA ?? settingsFromStatus(current.b2a),
    seed,
  });
}

/** Keep the direction that `set --dir` does not touch as it is. */
function settingsFromStatus(s: DirectionStatus): DirectionSettings {
  return {
    delayMs: s.delay_us / 1000,
    jitterMs: s.jitter_us / 1000,
    loss: s.loss,
    gilbertElliott: s.ge
      ? { p: s.ge_p, r: s.ge_r, lossBad: s.ge_loss_bad, lossGood: s.ge_loss_good }
      : undefined,
    rateMbit: s.rate_bps / 1e6,
    queueBytes: s.queue_bytes,
  };
}

function describeDirection(name: string, s: DirectionStatus): string {
  const params = [
    `delay ${s.delay_us / 1000} ms`,
    `jitter ±${s.jitter_us / 1000} ms`,
    s.ge ? 'Gilbert-Elliott loss' : `loss ${(s.loss * PERCENT).toFixed(2)} %`,
    s.rate_bps > 0 ? `rate ${s.rate_bps / 1e6} Mbit/s` : 'no rate limit',
    s.queue_bytes > 0 ? `queue ${s.queue_bytes} B` : 'unbounded queue',
  ].join(', ');
  const p50 = latenessPercentileUs(s.lateness_hist_10us, 0.5);
  const p99 = latenessPercentileUs(s.lateness_hist_10us, 0.99);
  return [
    `${name}: ${params}`,
    `  packets in ${s.in_pkts} (${s.in_bytes} B), forwarded ${s.out_pkts} (${s.out_bytes} B), queued now ${s.queued_pkts}`,
    `  dropped: loss ${s.drop_loss_pkts}, queue full ${s.drop_queue_pkts}, ring full ${s.drop_ring_pkts}, oversize ${s.oversize_pkts}; write errors ${s.write_errors}`,
    `  late (>1 ms) ${s.late_pkts}; lateness p50 <${p50} us, p99 <${p99} us, max ${s.late_max_us} us; max backlog ${s.max_backlog_bytes} B`,
  ].join('\n');
}

function describe(status: LinkStatus): string {
  return [
    `forwarder pid ${status.pid}, up ${(status.uptime_ms / 1000).toFixed(1)} s; ${NAMESPACE_A} ${ADDRESS_A} <-> ${NAMESPACE_B} ${ADDRESS_B}`,
    describeDirection(`a2b (${NAMESPACE_A} -> ${NAMESPACE_B})`, status.a2b),
    describeDirection(`b2a (${NAMESPACE_B} -> ${NAMESPACE_A})`, status.b2a),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: OPTIONS, allowPositionals: true });
  const place: EmulatorPlace = { ...BENCH_PLACE, stateDir: values['state-dir'] };
  switch (positionals[0]) {
    case 'up': {
      const emulator = await LinkEmulator.up(place, { outliveThisProcess: true });
      await applySet(emulator, values);
      console.log(describe(await emulator.status()));
      break;
    }
    case 'set': {
      const emulator = LinkEmulator.attach(place);
      await applySet(emulator, values);
      console.log(describe(await emulator.status()));
      break;
    }
    case 'status': {
      const status = await LinkEmulator.attach(place).status();
      console.log(values.json ? JSON.stringify(status) : describe(status));
      break;
    }
    case 'reset':
      await LinkEmulator.attach(place).resetCounters();
      break;
    case 'down':
      for (const line of await teardown(place)) console.log(line);
      break;
    default:
      throw new Error(
        'usage: emulator-cli.js up|set|status|reset|down [options] (see the comment at the top)',
      );
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
