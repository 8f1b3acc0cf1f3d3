/**
 * The two ends of one benchmark run, started inside the namespaces:
 *   node endpoint.js serve PORT BYTES            (namespace B) the data source and probe responder
 *   node endpoint.js fetch HOST PORT BYTES CAP_MS (namespace A) one bulk download + the probe;
 *                                                 prints a FetchResult as JSON on stdout
 * (protocol in endpoint-protocol.ts). The server never closes first: kcptun has no half-close, so
 * the fetcher closes once it has everything.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import {
  BULK_HEADER_BYTES,
  BULK_STARTED,
  type FetchResult,
  IDLE_PHASE_MAX_MS,
  IDLE_PROBE_GAP_MS,
  IDLE_PROBES,
  KIND_BULK,
  KIND_PROBE,
  PROBE_GAP_MS,
  PROBE_REQUEST,
  PROBE_RESPONSE,
  PROGRESS_EVERY_MS,
  REPORT_GRACE_MS,
} from './endpoint-protocol.js';
import { makePayload } from './payload.js';

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
  server.listen(port, '0.0.0.0', () => console.log(`endpoint serving ${bytes} bytes on port ${port}`));
}

function fetch(host: string, port: number, bytes: number, capMs: number): void {
  let start = performance.now();
  const elapsed = (): number => performance.now() - start;
  const result: FetchResult = {
    requestedBytes: bytes,
    receivedBytes: 0,
    sha256: '',
    complete: false,
    elapsedMs: 0,
    firstByteMs: null,
    progress: [],
    idleProbeRttMs: [],
    probeRttMs: [],
    probeOutstandingMs: null,
    errors: [],
  };
  const hash = createHash('sha256');
  let finished = false;
  let probeSentAt = 0;
  let probeWaiting = false;
  let probeTimer: NodeJS.Timeout | undefined;
  let progressTimer: NodeJS.Timeout | undefined;
  let capTimer: NodeJS.Timeout | undefined;
  let bulk: net.Socket | undefined;

  // the probe goes first: its idle round trips are the baseline, then the bulk download starts
  const probe = net.createConnection({ host, port });
  const idleTimer = setTimeout(() => startBulk(), IDLE_PHASE_MAX_MS);

  function finish(): void {
    if (finished) return;
    finished = true;
    result.elapsedMs = result.complete ? result.elapsedMs : elapsed();
    if (probeWaiting) result.probeOutstandingMs = performance.now() - probeSentAt;
    result.sha256 = hash.digest('hex');
    result.progress.push([elapsed(), result.receivedBytes]);
    clearInterval(progressTimer);
    clearTimeout(capTimer);
    clearTimeout(probeTimer);
    clearTimeout(idleTimer);
    bulk?.destroy();
    probe.destroy();
    process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
    setTimeout(() => process.exit(0), REPORT_GRACE_MS).unref();
  }

  function startBulk(): void {
    if (bulk !== undefined || finished) return;
    clearTimeout(idleTimer);
    start = performance.now();
    process.stderr.write(`${BULK_STARTED}\n`);
    progressTimer = setInterval(
      () => result.progress.push([elapsed(), result.receivedBytes]),
      PROGRESS_EVERY_MS,
    );
    capTimer = setTimeout(() => finish(), capMs);
    const socket = net.createConnection({ host, port });
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

  let seq = 0;
  let answer = 0;
  const sendProbe = (): void => {
    if (finished) return;
    const request = Buffer.alloc(PROBE_REQUEST);
    request.writeBigUInt64BE(BigInt(++seq), 0);
    probeSentAt = performance.now();
    probeWaiting = true;
    probe.write(request);
  };
  probe.on('connect', () => {
    probe.setNoDelay(true);
    probe.write(Buffer.from([KIND_PROBE]));
    sendProbe();
  });
  probe.on('data', (chunk: Buffer) => {
    answer += chunk.length;
    while (answer >= PROBE_RESPONSE) {
      answer -= PROBE_RESPONSE;
      const rtt = performance.now() - probeSentAt;
      probeWaiting = false;
      if (bulk === undefined) {
        result.idleProbeRttMs.push(rtt);
        if (result.idleProbeRttMs.length >= IDLE_PROBES) {
          startBulk();
          probeTimer = setTimeout(sendProbe, PROBE_GAP_MS);
        } else {
          probeTimer = setTimeout(sendProbe, IDLE_PROBE_GAP_MS);
        }
      } else {
        result.probeRttMs.push(rtt);
        probeTimer = setTimeout(sendProbe, PROBE_GAP_MS);
      }
    }
  });
  probe.on('error', (err) => result.errors.push(`probe: ${err.message}`));
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'serve') serve(Number(args[0]), Number(args[1]));
else if (mode === 'fetch') fetch(args[0], Number(args[1]), Number(args[2]), Number(args[3]));
else throw new Error('usage: endpoint.js serve PORT BYTES | fetch HOST PORT BYTES CAP_MS');
