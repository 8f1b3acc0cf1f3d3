/**
 * Preloaded into a program by test/cli/wasm-deferral.test.ts (node --import): counts the WebAssembly
 * modules the process compiles (`new WebAssembly.Module`, what the FEC kernel and CRC-32C use) and on
 * SIGUSR2 prints how many so far, the line numbered (#1, #2...).
 */
export const WASM_PROBE_LINE = 'wasm probe';

let compiled = 0;
/** A subclass, not a function: the modules are made with `new`, which an arrow function refuses. */
class CountingModule extends WebAssembly.Module {
  constructor(bytes: BufferSource) {
    compiled++;
    super(bytes);
  }
}
WebAssembly.Module = CountingModule;

let runs = 0;
process.on('SIGUSR2', () => {
  process.stderr.write(`${WASM_PROBE_LINE} #${++runs}: ${compiled} compiled\n`);
});
