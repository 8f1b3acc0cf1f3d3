/**
 * The package as a user gets it: `npm pack`, installed into a project (imported by name from JavaScript
 * and TypeScript, the README's examples run against it), installed globally into a temporary prefix (every
 * bin name, a tunnel through the installed programs), and run through npx.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { goKcptunAvailable } from '../support/procs.js';
import { npm, pack, REPO, readmeLibraryExamples, run, tempDir, tunnelThrough } from './support.js';

const TIMEOUT_MS = 300_000;

/**
 * TypeScript (this repository's, strict, ESM as a user's project with "type": "module" compiles) checks
 * `files` of `project` against the installed package's declarations; rejects with tsc's output.
 */
async function typecheck(project: string, configName: string, files: string[]): Promise<void> {
  const config = path.join(project, configName);
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        typeRoots: [path.join(REPO, 'node_modules', '@types')],
        types: ['node'],
      },
      files,
    }),
  );
  const tsc = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', config], { cwd: project });
}

const temp = tempDir('install');
let tarball = '';

before(async () => {
  tarball = await pack(temp.dir);
});
after(() => temp.remove());

describe('installed into a project', { timeout: TIMEOUT_MS }, () => {
  let project = '';

  before(async () => {
    project = path.join(temp.dir, 'project');
    mkdirSync(project);
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'uses-kcptun-ts', version: '1.0.0', private: true, type: 'module' }),
    );
    await npm(['install', tarball], project);
  });

  it('imports by name from JavaScript', async () => {
    const file = path.join(project, 'check.mjs');
    writeFileSync(
      file,
      `import * as lib from 'kcptun-ts';
const functions = ['dial', 'listen', 'createSession', 'createTunnelClient', 'createTunnelServer', 'createPacketCrypt', 'deriveKey'];
const classes = ['SmuxSession', 'SmuxStream', 'SnappyConnection', 'Kcp', 'Scheduler', 'SmuxError'];
for (const name of [...functions, ...classes]) if (typeof lib[name] !== 'function') throw new Error(name + ' is not exported');
if (typeof lib.SmuxSession.client !== 'function' || typeof lib.SmuxSession.server !== 'function') throw new Error('SmuxSession factories');
const { crypt } = lib.createPacketCrypt('aes', lib.deriveKey('k'));
console.log('ok', crypt.name, Object.keys(lib).length);
`,
    );
    const { stdout } = await run(process.execPath, [file], { cwd: project });
    assert.match(stdout, /^ok aes \d+/);
  });

  it('typechecks TypeScript against the shipped declarations', async () => {
    writeFileSync(
      path.join(project, 'check.ts'),
      `import { createPacketCrypt, createTunnelClient, deriveKey, dial, Kcp, type KcpSession, listen, Scheduler, SmuxSession,
  type SmuxStream, type TunnelServerOptions, type UdpOptions } from 'kcptun-ts';

const options: UdpOptions = { key: 'k', mode: 'fast3', sndWnd: 1024, dataShard: 0, parityShard: 0 };
// @ts-expect-error kcptun's flag names are camelCase options: sndwnd is not one
const wrong: UdpOptions = { sndwnd: 1024 };
const scheduler: Scheduler = new Scheduler({ drive: 'manual', now: () => 0 });
async function use(): Promise<SmuxStream> {
  const listener = await listen(':0', { ...options, scheduler }, (s: KcpSession) => SmuxSession.server(s));
  const session: KcpSession = await dial(\`127.0.0.1:\${listener.port}\`, options);
  return SmuxSession.client(session).openStream();
}
const server: TunnelServerOptions = { listen: ':29900', target: '127.0.0.1:8080', key: 'k' };
const client = createTunnelClient({ localAddr: ':0', remoteAddr: 'h:1', key: 'k' });
const headerSize: number = createPacketCrypt('aes', deriveKey('k')).crypt.headerSize;
const kcpClass: typeof Kcp = Kcp;
export { client, headerSize, kcpClass, server, use, wrong };
`,
    );
    await typecheck(project, 'tsconfig.json', ['check.ts']);
  });

  it("runs the README's library examples", async () => {
    const examples = readmeLibraryExamples();
    assert.ok(examples.length >= 1, 'the README has library examples');
    for (const [i, code] of examples.entries()) {
      assert.match(code, /from 'kcptun-ts'/, `example ${i + 1} imports the package by name`);
      const file = path.join(project, `readme-example-${i + 1}.mjs`);
      writeFileSync(file, code);
      const { stdout, stderr } = await run(process.execPath, [file], { cwd: project });
      assert.match(stdout, /hello/, `example ${i + 1} prints its greeting`);
      assert.equal(stderr, '', `example ${i + 1} writes nothing to stderr`);
    }
  });

  it("typechecks the README's library examples as they are under TypeScript's strict", async () => {
    // A user copies them into a .ts file too: a `mode` string in a shared options object, an untyped
    // parameter or an unchecked address() would each fail there (the README says they compile).
    const files = readmeLibraryExamples().map((code, i) => {
      const file = `readme-example-${i + 1}.ts`;
      writeFileSync(path.join(project, file), code);
      return file;
    });
    await typecheck(project, 'tsconfig.readme.json', files);
  });
});

describe('installed globally (npm install -g --prefix)', { timeout: TIMEOUT_MS }, () => {
  let bin = '';

  before(async () => {
    const prefix = path.join(temp.dir, 'global');
    await npm(['install', '-g', '--prefix', prefix, tarball], temp.dir);
    bin = path.join(prefix, 'bin');
  });

  it('installs every name, each the right program', async () => {
    for (const name of ['kcptun-ts-client', 'kcptun-client', 'kcptun-ts-server', 'kcptun-server']) {
      const { stdout } = await run(path.join(bin, name), ['-h']);
      const role = name.endsWith('client') ? 'client' : 'server';
      assert.match(stdout, new RegExp(`kcptun - ${role}`), name);
    }
    const { stdout } = await run(path.join(bin, 'kcptun-ts'), ['server', '-v']);
    assert.match(stdout, /^kcptun version \d+\.\d+\.\d+/);
  });

  it('carries a connection through the installed kcptun-ts-server and kcptun-ts-client', async () => {
    await tunnelThrough(
      { file: path.join(bin, 'kcptun-ts-server'), args: [] },
      { file: path.join(bin, 'kcptun-ts'), args: ['client'] },
    );
  });

  it('stops rather than replace a kcptun-client it does not own (Debian kcptun; README Install)', async () => {
    const prefix = path.join(temp.dir, 'occupied');
    mkdirSync(path.join(prefix, 'bin'), { recursive: true });
    writeFileSync(path.join(prefix, 'bin', 'kcptun-client'), '#!/bin/sh\necho go\n', { mode: 0o755 });
    await assert.rejects(npm(['install', '-g', '--prefix', prefix, tarball], temp.dir), /EEXIST/);
  });

  it('leaves the Go peer of the interop tests found when ours are first on PATH', {
    skip: !goKcptunAvailable() && 'Go kcptun not installed',
  }, async () => {
    const procs = path.join(REPO, 'dist', 'test', 'support', 'procs.js');
    const script = `import(${JSON.stringify(procs)}).then((m) => console.log(m.goKcptunPath('client'), m.goKcptunPath('server')))`;
    const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
    const { stdout } = await run(process.execPath, ['-e', script], { env });
    const [client, server] = stdout.trim().split(' ');
    assert.ok(!client.startsWith(bin) && !server.startsWith(bin), `Go found, not ours: ${stdout}`);
  });
});

it('runs through npx from the tarball', { timeout: TIMEOUT_MS }, async () => {
  const { stdout } = await npm(
    ['exec', '--yes', `--package=${tarball}`, '--', 'kcptun-ts', 'client', '-v'],
    temp.dir,
  );
  assert.match(stdout, /^kcptun version \d+\.\d+\.\d+/);
});
