import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../../bench/link/run.js';

/** bench:link's endpoint program (built beside the tests in dist/), which the fetcher tests spawn. */
export const LINK_ENDPOINT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'bench',
  'link',
  'endpoint.js',
);

/**
 * A bench:link download that completed intact (1,000 bytes in a second), for tests of the report and its
 * summaries: `fields` name the link, the transport, the goodput and the probe, and override the rest.
 */
export function completedRun(
  fields: Pick<RunResult, 'profile' | 'transport' | 'goodputMbit' | 'probe'> & Partial<RunResult>,
): RunResult {
  return {
    label: fields.transport,
    settings: '',
    ok: true,
    error: null,
    requestedBytes: 1000,
    receivedBytes: 1000,
    complete: true,
    sha256Ok: true,
    elapsedMs: 1000,
    wire: null,
    congestionSeen: null,
    progress: [],
    ...fields,
  };
}
