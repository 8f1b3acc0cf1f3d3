import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  IDLE_BYTES_PER_S,
  LeastLoadedPlacement,
  LOAD_HALF_LIFE_MS,
} from '../../src/tunnel/stream-placement.js';

/** A bulk transfer's rate, far above IDLE_BYTES_PER_S. */
const BULK_BYTES_PER_S = 4 << 20;
/** 64 B each way every 50 ms: the link benchmark's request/response probe. */
const PROBE_BYTES_PER_S = 2 * 64 * 20;
const TICK_MS = 100;

/** Lanes with scripted per-lane rates, observed every TICK_MS as the client's sampler would. */
class Script {
  readonly placement: LeastLoadedPlacement;
  readonly streams: number[];
  private readonly totals: number[];
  now = 0;

  constructor(lanes: number) {
    this.placement = new LeastLoadedPlacement(lanes, this.now);
    this.streams = new Array<number>(lanes).fill(0);
    this.totals = new Array<number>(lanes).fill(0);
  }

  /** Run `ms` with each lane moving `rates[lane]` bytes per second. */
  run(ms: number, rates: readonly number[]): void {
    for (let t = 0; t < ms; t += TICK_MS) {
      this.now += TICK_MS;
      rates.forEach((rate, lane) => {
        this.totals[lane] += (rate * TICK_MS) / 1000;
        this.placement.observe(lane, this.totals[lane], this.now);
      });
    }
  }

  /** Place a stream and count it open on its lane. */
  open(): number {
    const lane = this.placement.pick((l) => this.streams[l]);
    this.streams[lane]++;
    return lane;
  }
}

describe('least-loaded stream placement', () => {
  test('a bulk stream and a request stream land on different lanes whichever opens first', () => {
    const bulkFirst = new Script(2);
    const bulk = bulkFirst.open();
    bulkFirst.run(2000, bulk === 0 ? [BULK_BYTES_PER_S, 0] : [0, BULK_BYTES_PER_S]);
    assert.notEqual(bulkFirst.open(), bulk);

    const probeFirst = new Script(2);
    const probe = probeFirst.open();
    probeFirst.run(2000, probe === 0 ? [PROBE_BYTES_PER_S, 0] : [0, PROBE_BYTES_PER_S]);
    assert.notEqual(probeFirst.open(), probe, 'the idle lane has fewer streams');
  });

  test('a lane whose transfer has ended is idle: a bulk stream opened then does not join a request', () => {
    const s = new Script(2);
    const upload = s.open();
    s.run(2000, upload === 0 ? [BULK_BYTES_PER_S, 0] : [0, BULK_BYTES_PER_S]);
    s.streams[upload]--; // the upload's stream closes; its rate decays for seconds
    const probe = s.open();
    const download = s.open();
    assert.notEqual(download, probe, 'the lane with no stream open takes the download');
  });

  test('a bulk stream that has not moved a byte yet still counts by its open stream', () => {
    const s = new Script(2);
    const bulk = s.open();
    assert.notEqual(s.open(), bulk);
  });

  test('idle lanes are told apart by open streams, busy ones by rate', () => {
    const s = new Script(3);
    s.streams.splice(0, 3, 5, 1, 3);
    s.run(1000, [PROBE_BYTES_PER_S, IDLE_BYTES_PER_S / 2, 0]);
    assert.equal(s.open(), 1, 'all idle: the fewest streams');
    s.run(3000, [BULK_BYTES_PER_S, 2 * BULK_BYTES_PER_S, BULK_BYTES_PER_S / 2]);
    assert.equal(s.open(), 2, 'all busy: the lowest rate, whatever the streams');
    // 10 half-lives: lane 2's transfer has ended long enough ago to weigh nothing
    s.run(10 * LOAD_HALF_LIFE_MS, [BULK_BYTES_PER_S, BULK_BYTES_PER_S, PROBE_BYTES_PER_S]);
    assert.equal(s.open(), 2, 'an idle lane beats busy ones');
  });

  test('ties go to the lowest lane', () => {
    const s = new Script(3);
    assert.deepEqual([s.open(), s.open(), s.open(), s.open()], [0, 1, 2, 0]);
  });

  test('the rate settles at the bytes moved per second and decays by half each half-life', () => {
    const s = new Script(1);
    s.run(20 * LOAD_HALF_LIFE_MS, [BULK_BYTES_PER_S]);
    assert.ok(Math.abs(s.placement.rate(0) / BULK_BYTES_PER_S - 1) < 0.01, `${s.placement.rate(0)}`);
    s.run(LOAD_HALF_LIFE_MS, [0]);
    assert.ok(Math.abs(s.placement.rate(0) / BULK_BYTES_PER_S - 0.5) < 0.01, `${s.placement.rate(0)}`);
  });

  test('one late observation gives the same rate as many: the bytes are spread over the interval', () => {
    const often = new LeastLoadedPlacement(1, 0);
    const rarely = new LeastLoadedPlacement(1, 0);
    const total = (ms: number) => (BULK_BYTES_PER_S * ms) / 1000;
    for (let ms = TICK_MS; ms <= 5000; ms += TICK_MS) often.observe(0, total(ms), ms);
    rarely.observe(0, total(5000), 5000);
    assert.ok(Math.abs(often.rate(0) / rarely.rate(0) - 1) < 1e-9);
  });

  test('a burst long before an observation weighs little; one just now counts at once', () => {
    const p = new LeastLoadedPlacement(2, 0);
    // 1 MB on each lane: lane 0's over the 10 s since the last look, lane 1's within the same millisecond
    p.observe(0, 1 << 20, 10_000);
    p.observe(1, 0, 10_000);
    p.observe(1, 1 << 20, 10_000);
    assert.ok(p.rate(1) > 5 * p.rate(0), `${p.rate(0)} ${p.rate(1)}`);
  });

  test('a restarted lane (a new session) starts idle, its byte count from zero', () => {
    const s = new Script(2);
    s.streams.splice(0, 2, 1, 3);
    s.run(2000, [0, BULK_BYTES_PER_S]);
    assert.equal(s.open(), 0);
    s.placement.restart(1, s.now);
    s.streams[1] = 0;
    assert.equal(s.placement.rate(1), 0);
    assert.equal(s.open(), 1);
    s.placement.observe(1, 1000, s.now + TICK_MS);
    assert.ok(s.placement.rate(1) > 0 && s.placement.rate(1) < IDLE_BYTES_PER_S);
  });
});
