import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli');

/** A module's relative imports, split into static (`import ... from`, `export ... from`, `import '...'`) and dynamic. */
function importsOf(file: string): { static: string[]; dynamic: string[] } {
  const text = readFileSync(file, 'utf8');
  const resolve = (spec: string): string => path.resolve(path.dirname(file), spec);
  const found = (re: RegExp): string[] => [...text.matchAll(re)].map((m) => resolve(m[1] as string));
  return {
    static: found(/(?:\bfrom|^import)\s*'(\.{1,2}\/[^']+)'/gm),
    dynamic: found(/\bimport\('(\.{1,2}\/[^']+)'\)/g),
  };
}

/** Every module a program's start loads before its flags are acted on (its static import graph), and the modules those name in dynamic imports. */
function graphOf(entry: string): { loaded: Set<string>; dynamic: Set<string> } {
  const loaded = new Set<string>();
  const dynamic = new Set<string>();
  const todo = [entry];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (loaded.has(file)) continue;
    loaded.add(file);
    const imports = importsOf(file);
    todo.push(...imports.static);
    for (const d of imports.dynamic) dynamic.add(d);
  }
  return { loaded, dynamic };
}

/** Modules (under src/) that only a flag needs: -workers, -pprof, -snmplog, -metrics. */
const FLAG_ONLY = [
  'cli/server-workers.js',
  'cli/client-workers.js',
  'cli/profiling.js',
  'metrics/snmp-logger.js',
  'metrics/http-server.js',
];

test("a program's start leaves out the modules only a flag needs, and loads them when it is given", () => {
  for (const program of ['server-program.js', 'client-program.js']) {
    const { loaded, dynamic } = graphOf(path.join(CLI, program));
    assert.ok(loaded.size > 50, `${program}: ${loaded.size} modules`); // the walk follows the imports
    for (const module of FLAG_ONLY) {
      const file = path.resolve(CLI, '..', module);
      if (module === 'cli/server-workers.js' && program === 'client-program.js') continue;
      if (module === 'cli/client-workers.js' && program === 'server-program.js') continue;
      assert.ok(!loaded.has(file), `${program} loads ${module} at start`);
      assert.ok(dynamic.has(file), `${program} never loads ${module}`);
    }
  }
});
