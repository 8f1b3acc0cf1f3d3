/**
 * The two ends of one benchmark run, started inside the namespaces:
 *   node endpoint.js serve PORT BYTES            (namespace B) the data source and probe responder
 *   node endpoint.js fetch HOST PORT BYTES CAP_MS PROBE_INTERVAL_MS
 *                                                (namespace A) one bulk download + the probe, a
 *                                                request every PROBE_INTERVAL_MS (probe-schedule.ts);
 *                                                prints a FetchResult as JSON on stdout
 *   node endpoint.js compete HOST PORT BYTES CAP_MS [LOCAL_ADDRESS]
 *                                                (namespace A) a competing flow's bulk download, no
 *                                                probe: armed, it says COMPETITOR_ARMED, starts on
 *                                                SIGUSR2 and reports on SIGTERM (bench/link/competitor.ts)
 * (protocol in endpoint-protocol.ts). The server never closes first: kcptun has no half-close, so
 * the fetcher closes once it has everything.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import {
  BULK_HEADER_BYTES,
  BULK_STARTED,
  COMPETITOR_ARMED,
  type FetchResult,
  IDLE_PHASE_MAX_MS,
  IDLE_PROBES,
  KIND_BULK,
  KIND_PROBE,
  PROBE_IN_FLIGHT,
  PROBE_REQUEST,
  PROBE_RESPONSE,
  PROGRESS_EVERY_MS,
  REPORT_GRACE_MS,
} from './endpoint-protocol.js';
import { makePayload } from './payload.js';
import { ProbeSchedule } from './probe-schedule.js';

function serve(port: number, bytes: number): void {
  const payload = makePayload(bytes);
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let head: Buffer = Buffer.alloc(0);
    let kind = 0;
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      if (kind === 0) kind = head[0];
      if (kind === KIND_BULK) {
        if (head.length < BULK_HEADER_BYTES) return;
        const length = Math.min(Number(head.readBigUInt64BE(1)), payload.length);
        socket.off('data', onData);
        socket.write(payload.subarray(0, length));
        socket.resume();
      } else if (kind === KIND_PROBE) {
        let offset = 1;
        while (head.length - offset >= PROBE_REQUEST) {
          const reply = Buffer.alloc(PROBE_RESPONSE);
          head.copy(reply, 0, offset, offset + 8);
          socket.write(reply);
          offset += PROBE_REQUEST;
        }
        // keep the kind byte in front of the unconsumed remainder
        head = Buffer.concat([head.subarray(0, 1), head.subarray(offset)]);
      } else {
        socket.destroy();
      }
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  });
  // port 0: the kernel's choice, which the line names (the tests' endpoint on loopback)
  server.listen(port, '0.0.0.0', () =>
    console.log(`endpoint serving ${bytes} bytes on port ${(server.address() as net.AddressInfo).port}`),
  );
}

/** How a fetch runs: with the probe beside the download (fetch), or as a competing flow (compete). */
type FetchMode =
  | { kind: 'probed'; intervalMs: number }
  | { kind: 'competing'; localAddress: string | undefined };

function fetch(host: string, port: number, bytes: number, capMs: number, mode: FetchMode): void {
  const intervalMs = mode.kind === 'probed' ? mode.intervalMs : 0;
  let start = performance.now();
  const elapsed = (): number => performance.now() - start;
  const result: FetchResult = {
    requestedBytes: bytes,
    receivedBytes: 0,
    sha256: '',
    complete: false,
    elapsedMs: 0,
    bulkStartedAtMs: null,
    firstByteMs: null,
    progress: [],
    idleProbeRttMs: [],
    probeRttMs: [],
    probeSentMs: [],
    probeIntervalMs: intervalMs,
    probeOutstandingMs: null,
    errors: [],
  };
  const hash = createHash('sha256');
  const schedule = new ProbeSchedule(PROBE_IN_FLIGHT);
  let finished = false;
  let probeTicker: NodeJS.Timeout | undefined;
  let progressTimer: NodeJS.Timeout | undefined;
  let capTimer: NodeJS.Timeout | undefined;
  let bulk: net.Socket | undefined;
  /** Requests numbered below this were sent before the bulk download started: idle samples. */
  let firstLoadedSeq = Number.POSITIVE_INFINITY;

  // the probe goes first: its idle round trips are the baseline, then the bulk download starts
  const probe = mode.kind === 'probed' ? net.createConnection({ host, port }) : undefined;
  const idleTimer = mode.kind === 'probed' ? setTimeout(() => startBulk(), IDLE_PHASE_MAX_MS) : undefined;

  function finish(): void {
    if (finished) return;
    finished = true;
    result.elapsedMs = result.complete ? result.elapsedMs : elapsed();
    result.probeOutstandingMs = schedule.oldestWait(performance.now());
    result.sha256 = hash.digest('hex');
    result.progress.push([elapsed(), result.receivedBytes]);
    clearInterval(progressTimer);
    clearTimeout(capTimer);
    clearInterval(probeTicker);
    clearTimeout(idleTimer);
    bulk?.destroy();
    probe?.destroy();
    process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
    setTimeout(() => process.exit(0), REPORT_GRACE_MS).unref();
  }

  function startBulk(): void {
    if (bulk !== undefined || finished) return;
    clearTimeout(idleTimer);
    start = performance.now();
    result.bulkStartedAtMs = Date.now();
    firstLoadedSeq = schedule.sent + 1;
    process.stderr.write(`${BULK_STARTED}\n`);
    progressTimer = setInterval(
      () => result.progress.push([elapsed(), result.receivedBytes]),
      PROGRESS_EVERY_MS,
    );
    clearTimeout(capTimer);
    capTimer = setTimeout(() => finish(), capMs);
    const localAddress = mode.kind === 'competing' ? mode.localAddress : undefined;
    const socket = net.createConnection({
      host,
      port,
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    bulk = socket;
    socket.on('connect', () => {
      const header = Buffer.alloc(BULK_HEADER_BYTES);
      header[0] = KIND_BULK;
      header.writeBigUInt64BE(BigInt(bytes), 1);
      socket.write(header);
    });
    socket.on('data', (chunk: Buffer) => {
      if (finished) return;
      if (result.firstByteMs === null) result.firstByteMs = elapsed();
      const take = Math.min(chunk.length, bytes - result.receivedBytes);
      hash.update(take === chunk.length ? chunk : chunk.subarray(0, take));
      result.receivedBytes += take;
      if (result.receivedBytes === bytes) {
        result.complete = true;
        result.elapsedMs = elapsed();
        finish();
      }
    });
    socket.on('error', (err) => result.errors.push(`bulk: ${err.message}`));
    socket.on('close', () => finish());
  }

  if (probe === undefined) {
    // SIGUSR2, not SIGUSR1: Node.js opens its inspector on SIGUSR1 until a handler is installed
    process.once('SIGUSR2', startBulk);
    process.once('SIGTERM', finish);
    // armed for at most the cap, which also keeps the process alive until a signal comes
    capTimer = setTimeout(() => finish(), capMs);
    process.stderr.write(`${COMPETITOR_ARMED}\n`);
    return;
  }

  /** A tick of the schedule; on the idle tunnel only until IDLE_PROBES requests have gone out. */
  const sendProbe = (): void => {
    if (finished || (bulk === undefined && schedule.sent >= IDLE_PROBES)) return;
    const seq = schedule.next(performance.now());
    if (seq === 0) return;
    const request = Buffer.alloc(PROBE_REQUEST);
    request.writeBigUInt64BE(BigInt(seq), 0);
    probe.write(request);
  };
  const onAnswer = (seq: number): void => {
    const now = performance.now();
    const rtt = schedule.answered(seq, now);
    if (seq < firstLoadedSeq) {
      result.idleProbeRttMs.push(rtt);
      // the first request opened the stream alone; the schedule starts once it is answered
      if (seq === 1) probeTicker = setInterval(sendProbe, intervalMs);
      if (seq === IDLE_PROBES) startBulk();
    } else {
      result.probeRttMs.push(rtt);
      result.probeSentMs.push(now - rtt - start);
    }
  };
  probe.on('connect', () => {
    probe.setNoDelay(true);
    probe.write(Buffer.from([KIND_PROBE]));
    sendProbe();
  });
  // an answer's first 8 bytes are its request's sequence number; answers may span chunks
  const answerSeq = Buffer.alloc(8);
  let answerOffset = 0;
  probe.on('data', (chunk: Buffer) => {
    let pos = 0;
    while (pos < chunk.length && !finished) {
      const take = Math.min(chunk.length - pos, PROBE_RESPONSE - answerOffset);
      if (answerOffset < answerSeq.length) {
        chunk.copy(answerSeq, answerOffset, pos, pos + Math.min(take, answerSeq.length - answerOffset));
      }
      answerOffset += take;
      pos += take;
      if (answerOffset < PROBE_RESPONSE) break;
      answerOffset = 0;
      try {
        onAnswer(Number(answerSeq.readBigUInt64BE(0)));
      } catch (err) {
        result.errors.push(`probe: ${(err as Error).message}`);
        finish();
      }
    }
  });
  probe.on('error', (err) => result.errors.push(`probe: ${err.message}`));
}

const [command, ...args] = process.argv.slice(2);
if (command === 'serve') serve(Number(args[0]), Number(args[1]));
else if (command === 'fetch')
  fetch(args[0], Number(args[1]), Number(args[2]), Number(args[3]), {
    kind: 'probed',
    intervalMs: Number(args[4]),
  });
else if (command === 'compete')
  fetch(args[0], Number(args[1]), Number(args[2]), Number(args[3]), {
    kind: 'competing',
    localAddress: args[4],
  });
else
  throw new Error(
    'usage: endpoint.js serve PORT BYTES | fetch HOST PORT BYTES CAP_MS PROBE_INTERVAL_MS | ' +
      'compete HOST PORT BYTES CAP_MS [LOCAL_ADDRESS]',
  );
