import { libc } from '../../src/transport/libc.js';

/** Whether this process runs on glibc with koffi loaded: where the programs can call mallopt and malloc_trim. */
export const glibcWithKoffi =
  process.platform === 'linux' && typeof libc() !== 'string' && process.report
    ? Boolean(
        (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
          ?.glibcVersionRuntime,
      )
    : false;
