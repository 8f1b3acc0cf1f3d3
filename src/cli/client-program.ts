/**
 * kcptun-client's program: parse the flags, start the client, run until a signal. Started by client-main.ts (the bin)
 * or main.ts, each after heap-tuning.ts.
 */
import { formatHostPort } from '../tunnel/address.js';
import { TunnelClient } from '../tunnel/client.js';
import { parseClientArgs } from './args.js';
import { runMain } from './run-main.js';
import {
  autoSessionsPart,
  commonStartupLines,
  endpointOf,
  hostPortsOf,
  qppOf,
  refuseUnsupported,
  selectCrypt,
  sessionOptionsOf,
  smuxConfigOf,
  udpOf,
} from './startup.js';

runMain(parseClientArgs, async (config, log) => {
  refuseUnsupported(config, config.remoteAddr, 'remoteaddr');
  const remote = hostPortsOf(config.remoteAddr, 'remoteaddr');
  const listen = endpointOf(config.localAddr, 'localaddr');
  const smux = smuxConfigOf(config);
  const crypt = selectCrypt(config);
  if (crypt.fellBack) log.info(`unknown crypt method ${JSON.stringify(config.crypt)}, using aes`);
  const client = new TunnelClient({
    listen,
    remote,
    conn: config.conn,
    // kcptun's round robin outside -mode auto: a drop-in keeps kcptun's behaviour (stream-placement.ts)
    placement: config.auto === null ? 'round-robin' : 'least-loaded',
    autoExpireSeconds: config.autoExpire,
    scavengeTtlSeconds: config.scavengeTtl,
    closeWaitSeconds: config.closeWait,
    quiet: config.quiet,
    noComp: config.noComp,
    smux,
    qpp: qppOf(config),
    session: {
      ...sessionOptionsOf(config, crypt.crypt),
      sockbuf: config.sockBuf,
      tcp: config.tcp,
      dscp: config.dscp,
      warn: (m) => log.info(m),
    },
    ...udpOf(config),
    log: (m) => log.info(m),
  });
  const bound = await client.start();
  for (const line of commonStartupLines(config, crypt.name, [autoSessionsPart(config.conn)])) log.info(line);
  log.info(`remote address: ${config.remoteAddr}`);
  log.info(`conn: ${config.conn}`);
  log.info(`autoexpire: ${config.autoExpire}`);
  log.info(`scavengettl: ${config.scavengeTtl}`);
  // A -l without a port is a unix socket path (latest kcptun): say so, or `-l 12948` would pass unnoticed.
  log.info(
    typeof bound === 'string'
      ? `listening on unix socket: ${bound}`
      : `listening on: ${formatHostPort(bound.address, bound.port)}`,
  );
  return { stop: () => client.close(), role: 'client', view: client };
});
