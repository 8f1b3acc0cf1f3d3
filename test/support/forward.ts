/**
 * A TCP/unix-socket forwarder, to reach a process inside a network namespace through a unix socket on the
 * shared file system: `node forward.js LISTEN CONNECT`, each `tcp:HOST:PORT` or `unix:PATH`; prints
 * "forwarding" once listening. Imported, forward() does the same in this process.
 */
import net from 'node:net';
import { fileURLToPath } from 'node:url';

type Endpoint = { host: string; port: number } | { path: string };

export function parseEndpoint(spec: string): Endpoint {
  if (spec.startsWith('unix:')) return { path: spec.slice(5) };
  const m = /^tcp:(.+):(\d+)$/.exec(spec);
  if (!m) throw new Error(`bad endpoint ${spec}`);
  return { host: m[1]!, port: Number(m[2]) };
}

/**
 * Listen on `from`; pipe every connection to a new one to `to` (half-closes passed on). Closing the
 * server destroys the connections it still carries.
 */
export function forward(from: Endpoint, to: Endpoint): Promise<net.Server> {
  const open = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (a) => {
    const b = net.connect({ ...to, allowHalfOpen: true } as net.NetConnectOpts);
    for (const s of [a, b]) {
      open.add(s);
      s.once('close', () => open.delete(s));
    }
    a.pipe(b);
    b.pipe(a);
    a.on('error', () => b.destroy());
    b.on('error', () => a.destroy());
    a.on('close', () => b.destroy());
    b.on('close', () => a.destroy());
  });
  const close = server.close.bind(server);
  server.close = (cb) => {
    for (const s of open) s.destroy();
    return close(cb);
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(from as net.ListenOptions, () => resolve(server));
  });
}

// Run as a program only with its two arguments: `node --test dist/test/` also runs this file, without them.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.length === 4) {
  forward(parseEndpoint(process.argv[2]!), parseEndpoint(process.argv[3]!)).then(
    () => process.stdout.write('forwarding\n'),
    (err) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
