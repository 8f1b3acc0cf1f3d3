/**
 * The Node.js counterpart of kcptun's `-pprof` (Go's net/http/pprof on :6060). With it:
 *
 * - The V8 inspector listens on 127.0.0.1:6060. Chrome's chrome://inspect (Configure… → localhost:6060),
 *   or any DevTools-protocol client, then gives what pprof gives: CPU profiles, heap snapshots and
 *   allocation sampling, live. It is bound to loopback, not to every interface as Go's pprof is, because
 *   the inspector can run arbitrary code in the process; reach it remotely through an SSH tunnel.
 * - SIGUSR2 (not on Windows) profiles without any client: the first signal starts a CPU profile, the next
 *   one writes it to `kcptun-<pid>-<YYYYMMDD-HHMMSS>.cpuprofile` in the working directory together with a
 *   heap snapshot of the same name ending `.heapsnapshot` (both load in Chrome DevTools). Writing the
 *   snapshot pauses the process for a moment, as Go's heap profile does not.
 *
 * Failures (port in use, inspector already active, no inspector in this Node build) are logged, never fatal,
 * as Go ignores a failed pprof listener.
 */
import { writeFileSync } from 'node:fs';
import type * as Inspector from 'node:inspector/promises';
import path from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { formatGoTime } from '../metrics/go-time.js';

export const PPROF_HOST = '127.0.0.1';
export const PPROF_PORT = 6060;
const PROFILE_SIGNAL = 'SIGUSR2';
const FILE_TIME_LAYOUT = '20060102-150405';

export interface ProfilingOptions {
  /** One line per event (inspector address, profile files, failures). */
  readonly log: (message: string) => void;
  /** Inspector port; 0 picks a free one. Defaults to 6060 like kcptun's pprof. */
  readonly port?: number;
  readonly host?: string;
  /** Where SIGUSR2 profiles are written; defaults to the working directory. */
  readonly dir?: string;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Start the inspector and the SIGUSR2 profiler; the returned function undoes both. */
export async function startProfiling(options: ProfilingOptions): Promise<() => void> {
  const { log } = options;
  let inspector: typeof Inspector;
  try {
    inspector = await import('node:inspector/promises');
  } catch (err) {
    log(`pprof: the inspector is not available in this Node.js build: ${message(err)}`);
    return () => {};
  }

  const host = options.host ?? PPROF_HOST;
  const port = options.port ?? PPROF_PORT;
  let openedInspector = false;
  if (inspector.url() !== undefined) {
    log(`pprof: inspector already active at ${inspector.url()}`);
  } else {
    try {
      inspector.open(port, host, false);
    } catch (err) {
      log(`pprof: cannot open the inspector: ${message(err)}`);
    }
    // A busy port does not throw: the inspector just stays closed.
    openedInspector = inspector.url() !== undefined;
    log(
      openedInspector
        ? `pprof: inspector listening at ${inspector.url()} (chrome://inspect)`
        : `pprof: cannot open the inspector on ${host}:${port}`,
    );
  }
  const url = inspector.url();
  if (url !== undefined) {
    log(
      `pprof: WARNING: anyone who can connect to ${new URL(url).host} can run any code in this process through the inspector`,
    );
  }

  const toggler = new CpuProfileToggle(inspector, options.dir ?? process.cwd(), log);
  const onSignal = (): void => {
    toggler.toggle().catch((err: unknown) => log(`pprof: profile failed: ${message(err)}`));
  };
  if (process.platform !== 'win32') process.on(PROFILE_SIGNAL, onSignal);

  return () => {
    process.removeListener(PROFILE_SIGNAL, onSignal);
    toggler.discard();
    if (openedInspector) inspector.close();
  };
}

/** A CPU profile started by one signal and written, with a heap snapshot, by the next. */
class CpuProfileToggle {
  private session: Inspector.Session | undefined;
  private busy = false;

  constructor(
    private readonly inspector: typeof Inspector,
    private readonly dir: string,
    private readonly log: (message: string) => void,
  ) {}

  async toggle(): Promise<void> {
    // A signal that arrives while the previous one is still being handled is ignored.
    if (this.busy) return;
    this.busy = true;
    try {
      if (this.session === undefined) await this.begin();
      else await this.finish(this.session);
    } finally {
      this.busy = false;
    }
  }

  discard(): void {
    this.session?.disconnect();
    this.session = undefined;
  }

  private async begin(): Promise<void> {
    const session = new this.inspector.Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    this.session = session;
    this.log(`pprof: CPU profile started; send ${PROFILE_SIGNAL} again to write it`);
  }

  private async finish(session: Inspector.Session): Promise<void> {
    this.session = undefined;
    try {
      const { profile } = await session.post('Profiler.stop');
      const stem = path.join(this.dir, `kcptun-${process.pid}-${formatGoTime(FILE_TIME_LAYOUT, new Date())}`);
      writeFileSync(`${stem}.cpuprofile`, JSON.stringify(profile));
      this.log(`pprof: wrote ${stem}.cpuprofile`);
      writeHeapSnapshot(`${stem}.heapsnapshot`);
      this.log(`pprof: wrote ${stem}.heapsnapshot`);
    } finally {
      session.disconnect();
    }
  }
}
