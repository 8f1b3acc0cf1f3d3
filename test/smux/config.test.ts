import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSmuxConfig, type SmuxConfig, verifyConfig } from '../../src/smux/index.js';

test('defaults are kcptun 20210922 settings and valid', () => {
  const c = defaultSmuxConfig();
  assert.deepEqual(c, {
    version: 1,
    keepAliveInterval: 10000,
    keepAliveTimeout: 30000,
    maxFrameSize: 32768,
    maxReceiveBuffer: 4194304,
    maxStreamBuffer: 2097152,
  });
  verifyConfig(c);
  verifyConfig({ ...c, version: 2, maxFrameSize: 65535, keepAliveInterval: 30000 });
});

test('invalid settings throw errors naming the kcptun flag', () => {
  const cases: [Partial<SmuxConfig>, RegExp][] = [
    [{ version: 3 as 1 }, /-smuxver/],
    [{ keepAliveInterval: 0 }, /-keepalive/],
    [{ keepAliveInterval: 40000 }, /keep-alive timeout.*-keepalive/],
    [{ maxFrameSize: 0 }, /-framesize/],
    [{ maxFrameSize: 65536 }, /65535 \(-framesize\)/],
    [{ maxReceiveBuffer: 0 }, /-smuxbuf/],
    [{ maxReceiveBuffer: 2 ** 31 }, /-smuxbuf/],
    [{ maxStreamBuffer: -1 }, /-streambuf/],
    [{ maxStreamBuffer: 8388608 }, /-streambuf 8388608.*-smuxbuf 4194304/],
  ];
  for (const [override, message] of cases) {
    assert.throws(
      () => verifyConfig({ ...defaultSmuxConfig(), ...override }),
      message,
      JSON.stringify(override),
    );
  }
});
