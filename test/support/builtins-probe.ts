/**
 * Preloaded into a program by test/cli/lazy-modules.test.ts (node --import): on SIGUSR2 it prints the
 * names of node's own modules the process has loaded so far (process.moduleLoadList), on one line.
 */
export const BUILTINS_LINE = 'builtins loaded: ';

/** Node's list of what it loaded (internal, not in @types/node): `NativeModule fs`, `Internal Binding ...`. */
const loaded = (process as unknown as { moduleLoadList: string[] }).moduleLoadList;

process.on('SIGUSR2', () => {
  const names = loaded.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
  process.stderr.write(`${BUILTINS_LINE}${names.join(' ')}\n`);
});
