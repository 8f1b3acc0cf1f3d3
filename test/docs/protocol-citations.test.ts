/**
 * The code cites docs/protocol.md by section (`docs/protocol.md §4.3`, `§13 pitfall 21`): every cited
 * section and pitfall must exist, and nothing in the repository may point at a protocol description
 * outside it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository root: this file runs as dist/test/docs/protocol-citations.test.js. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PROTOCOL = 'docs/protocol.md';
const SOURCE_DIRS = ['src', 'test', 'bench'];
const SOURCE_EXTENSIONS = new Set(['.ts', '.c']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(rel));
    else if (SOURCE_EXTENSIONS.has(path.extname(entry.name))) out.push(rel);
  }
  return out;
}

/** Section numbers ("4", "4.3") from the document's headings, and the numbers of the §13 pitfall list. */
function documentOutline(text: string): { sections: Set<string>; pitfalls: Set<string> } {
  const sections = new Set<string>();
  const pitfalls = new Set<string>();
  let inPitfalls = false;
  for (const line of text.split('\n')) {
    const heading = /^#{2,3} (\d+(?:\.\d+)?)\.? /.exec(line);
    if (heading !== null) {
      sections.add(heading[1]);
      inPitfalls = heading[1] === '13';
      continue;
    }
    const item = /^(\d+)\. /.exec(line);
    if (inPitfalls && item !== null) pitfalls.add(item[1]);
  }
  return { sections, pitfalls };
}

interface Citation {
  where: string;
  section?: string;
  pitfall?: string;
}

/** Every `§N[.M]` and `pitfall N` on the lines that name docs/protocol.md. */
function citations(files: string[]): Citation[] {
  const out: Citation[] = [];
  for (const file of files) {
    const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.includes(PROTOCOL)) return;
      const where = `${file}:${i + 1}`;
      for (const m of line.matchAll(/§(\d+(?:\.\d+)?)/g)) out.push({ where, section: m[1] });
      for (const m of line.matchAll(/pitfalls? (\d+)/g)) out.push({ where, pitfall: m[1] });
    });
  }
  return out;
}

test('every section and pitfall the code cites exists in docs/protocol.md', () => {
  const { sections, pitfalls } = documentOutline(readFileSync(path.join(ROOT, PROTOCOL), 'utf8'));
  assert.ok(sections.has('4.3') && pitfalls.has('21'), 'the outline parser found the numbering');
  const found = citations([...SOURCE_DIRS.flatMap(sourceFiles), 'README.md']);
  assert.ok(found.length > 0, 'the code cites the document');
  const missing = found.filter((c) =>
    c.section !== undefined ? !sections.has(c.section) : !pitfalls.has(c.pitfall ?? ''),
  );
  assert.deepEqual(missing, []);
});

test('nothing refers to a protocol description outside the repository', () => {
  // Built from pieces (prefix, separator, rest) so that this file does not match itself.
  const patterns = [
    ['\\.\\.', '/', 'shared'],
    ['kcptun', '-', 'wire'],
    ['spec', ' ', '[0-9]'],
    ['spec', ' ', '§'],
    ['spec', ' ', 'pitfall'],
  ];
  const outside = new RegExp(patterns.map((parts) => parts.join('')).join('|'), 'i');
  const files = [...SOURCE_DIRS.flatMap(sourceFiles), 'README.md', PROTOCOL];
  const hits: string[] = [];
  for (const file of files) {
    readFileSync(path.join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (outside.test(line)) hits.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(hits, []);
});
