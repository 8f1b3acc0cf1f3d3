/**
 * `npm run bench`: the per-layer micro-benchmarks, one after another on this machine.
 * Each module runs alone too: `node dist/bench/<layer>-bench.js`.
 */
const LAYERS = ['crypt', 'fec', 'kcp', 'compress', 'smux'];

for (const layer of LAYERS) {
  const mod = (await import(`./${layer}-bench.js`)) as { run: () => Promise<string[]> };
  console.log(`## ${layer}`);
  for (const line of await mod.run()) console.log(line);
  console.log('');
}
