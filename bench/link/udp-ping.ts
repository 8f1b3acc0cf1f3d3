/**
 * A UDP ping for the emulator's accuracy check, started inside the namespaces:
 *   node udp-ping.js echo PORT                       (namespace B) sends every datagram back
 *   node udp-ping.js ping HOST PORT COUNT GAP_MS     (namespace A) prints {rttMs, lost} as JSON
 * Requests go out on a fixed schedule, not after each answer, so one slow answer delays no other.
 */
import dgram from 'node:dgram';

const PING_BYTES = 64;
/** How long the last request may take before it counts as lost. */
const LAST_ANSWER_WAIT_MS = 2000;

/** What `ping` prints (imported as a type only, which does not run this file). */
export interface PingResult {
  rttMs: number[];
  lost: number;
}

function echo(port: number): void {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, from) => socket.send(msg, from.port, from.address));
  socket.bind(port, () => console.log(`udp echo on port ${port}`));
}

function ping(host: string, port: number, count: number, gapMs: number): void {
  const socket = dgram.createSocket('udp4');
  const sentAt = new Float64Array(count);
  const rtt: number[] = [];
  socket.on('message', (msg) => {
    if (msg.length < 4) return;
    const seq = msg.readUInt32BE(0);
    if (seq < count && sentAt[seq] > 0) {
      rtt.push(performance.now() - sentAt[seq]);
      sentAt[seq] = 0;
    }
  });
  let seq = 0;
  const request = Buffer.alloc(PING_BYTES);
  const timer = setInterval(() => {
    request.writeUInt32BE(seq, 0);
    sentAt[seq] = performance.now();
    socket.send(request, port, host);
    if (++seq === count) {
      clearInterval(timer);
      setTimeout(() => {
        const result: PingResult = { rttMs: rtt, lost: count - rtt.length };
        process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
      }, LAST_ANSWER_WAIT_MS);
    }
  }, gapMs);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'echo') echo(Number(args[0]));
else if (mode === 'ping') ping(args[0], Number(args[1]), Number(args[2]), Number(args[3]));
else throw new Error('usage: udp-ping.js echo PORT | ping HOST PORT COUNT GAP_MS');
