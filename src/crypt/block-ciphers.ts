import { OpenSslCfbBlockCrypt } from './aes.js';
import { Blowfish } from './blowfish.js';
import { Cast5 } from './cast5.js';
import { CfbBlockCrypt } from './cfb.js';
import { TripleDes } from './des3.js';
import { Salsa20BlockCrypt } from './salsa20.js';
import { Sm4 } from './sm4.js';
import { KCP_TEA_ROUNDS, Tea } from './tea.js';
import { Twofish } from './twofish.js';
import type { BlockCrypt } from './types.js';
import { XorBlockCrypt } from './xor.js';
import { Xtea } from './xtea.js';

/**
 * Every -crypt method besides AES, `none`, `null` and AES-GCM, by name. Each factory takes the full 32-byte
 * derived key and slices what its cipher uses (docs/protocol.md §2.2). 3DES and SM4 run on OpenSSL when this Node's
 * OpenSSL has them, and on the TypeScript block functions otherwise; the others are TypeScript only
 * (OpenSSL 3 keeps Blowfish and CAST5 in its legacy provider, and never had TEA, XTEA or Twofish).
 */
export const blockCipherFactories: Record<string, (pass: Buffer) => BlockCrypt> = {
  salsa20: (pass) => new Salsa20BlockCrypt(pass.subarray(0, 32)),
  blowfish: (pass) => new CfbBlockCrypt(new Blowfish(pass.subarray(0, 32))),
  twofish: (pass) => new CfbBlockCrypt(new Twofish(pass.subarray(0, 32))),
  cast5: (pass) => new CfbBlockCrypt(new Cast5(pass.subarray(0, 16))),
  '3des': (pass) => {
    const key = pass.subarray(0, 24);
    return OpenSslCfbBlockCrypt.create('des-ede3', key) ?? new CfbBlockCrypt(new TripleDes(key));
  },
  tea: (pass) => new CfbBlockCrypt(new Tea(pass.subarray(0, 16), KCP_TEA_ROUNDS)),
  xtea: (pass) => new CfbBlockCrypt(new Xtea(pass.subarray(0, 16))),
  xor: (pass) => new XorBlockCrypt(pass),
  sm4: (pass) => {
    const key = pass.subarray(0, 16);
    return OpenSslCfbBlockCrypt.create('sm4', key) ?? new CfbBlockCrypt(new Sm4(key));
  },
};
