/** One request line to the forwarder's control socket, one answer line back. */
import net from 'node:net';

const CONTROL_TIMEOUT_MS = 3000;

export function controlRequest(socketPath: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`forwarder control: no answer to '${line}' within ${CONTROL_TIMEOUT_MS} ms`));
    }, CONTROL_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${line}\n`));
    socket.on('data', (d: string) => {
      answer += d;
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer.trim());
    });
  });
}
