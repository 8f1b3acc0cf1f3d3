/**
 * kcptun-server's program: parse the flags, start the server, run until a signal. Started by server-main.ts (the bin)
 * or main.ts, each after heap-tuning.ts.
 */
import { DEFAULT_MAX_SESSIONS } from '../transport/listener.js';
import { TunnelServer } from '../tunnel/server.js';
import { parseServerArgs } from './args.js';
import { runMain } from './run-main.js';
import { isSip003, SIP003_BIND_HINT } from './sip003.js';
import {
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

runMain(parseServerArgs, async (config, log) => {
  refuseUnsupported(config, config.listen, 'listen');
  const listen = hostPortsOf(config.listen, 'listen');
  const target = endpointOf(config.target, 'target');
  const smux = smuxConfigOf(config);
  const crypt = selectCrypt(config);
  if (crypt.fellBack) log.info(`unknown crypt method ${JSON.stringify(config.crypt)}, using aes`);
  const server = new TunnelServer({
    listen,
    target,
    closeWaitSeconds: config.closeWait,
    dscp: config.dscp,
    quiet: config.quiet,
    noComp: config.noComp,
    smux,
    qpp: qppOf(config),
    session: {
      ...sessionOptionsOf(config, crypt.crypt),
      sockbuf: config.sockBuf,
      tcp: config.tcp,
      tcpDscp: config.dscp,
      maxSessions: DEFAULT_MAX_SESSIONS,
      log: (m) => log.info(m),
    },
    ...udpOf(config),
    log: (m) => log.info(m),
  });
  const ports = await server.start().catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE' && isSip003(process.env)) err.message += ` (${SIP003_BIND_HINT})`;
    throw err;
  });
  for (const line of commonStartupLines(config, crypt.name)) log.info(line);
  log.info(`target: ${config.target}`);
  log.info(
    `listening on: ${listen.host}:${ports.length === 1 ? ports[0] : `${ports[0]}-${ports[ports.length - 1]}`}`,
  );
  return { stop: () => server.close(), role: 'server', view: server };
});
