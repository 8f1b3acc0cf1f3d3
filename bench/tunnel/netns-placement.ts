import { mkdtempSync, rmSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { forward } from '../../test/support/forward.js';
import { NetnsPair } from '../../test/support/netns.js';

/** Inside the namespaces: where the server reaches the target, where the client listens, the server's port. */
const TARGET_PORT = 7000;
const CLIENT_PORT = 8000;
const SERVER_PORT = 4000;

let placements = 0;
/** Placements not yet closed: an interrupted benchmark must not leave namespaces behind. */
const open = new Set<NetnsPlacement>();
process.on('exit', () => {
  for (const p of open) p.close();
});

/**
 * Where a -tcp pair runs: -tcp needs raw sockets and an iptables rule, which must not touch the host, so
 * the client runs in namespace a and the server in namespace b of a fresh pair joined by a veth
 * (test/support/netns.ts, as test/interop/fake-tcp.test.ts does). The benchmark's target and its client
 * stay in this process on 127.0.0.1 and reach the namespaces through unix sockets: host 127.0.0.1:localPort
 * → a's 127.0.0.1:8000 (the tunnel client) ... b's 127.0.0.1:7000 → host target. The forwarders' CPU is not
 * the tunnel's and is not counted; both implementations pay the same hops.
 */
export class NetnsPlacement {
  private constructor(
    readonly ns: NetnsPair,
    private readonly dir: string,
    private readonly servers: net.Server[],
  ) {}

  static async open(targetPort: number): Promise<NetnsPlacement> {
    const ns = new NetnsPair(`b${placements++}`);
    const dir = mkdtempSync(path.join(tmpdir(), 'kcpt-bench-tcp-'));
    const placement = new NetnsPlacement(ns, dir, []);
    open.add(placement);
    try {
      const targetSock = path.join(dir, 'target.sock');
      const clientSock = path.join(dir, 'client.sock');
      placement.servers.push(await forward({ path: targetSock }, { host: '127.0.0.1', port: targetPort }));
      await ns.forward(ns.b, `tcp:127.0.0.1:${TARGET_PORT}`, `unix:${targetSock}`);
      await ns.forward(ns.a, `unix:${clientSock}`, `tcp:127.0.0.1:${CLIENT_PORT}`);
      placement.servers.push(await forward({ host: '127.0.0.1', port: 0 }, { path: clientSock }));
    } catch (err) {
      placement.close();
      throw err;
    }
    return placement;
  }

  /** Where to connect on the host to open a stream through the tunnel. */
  get localPort(): number {
    return (this.servers[1]!.address() as net.AddressInfo).port;
  }

  serverArgs(): string[] {
    return ['-l', `${this.ns.ipB}:${SERVER_PORT}`, '-t', `127.0.0.1:${TARGET_PORT}`];
  }

  clientArgs(): string[] {
    return ['-l', `127.0.0.1:${CLIENT_PORT}`, '-r', `${this.ns.ipB}:${SERVER_PORT}`];
  }

  close(): void {
    if (!open.delete(this)) return;
    for (const s of this.servers) s.close();
    this.ns.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
