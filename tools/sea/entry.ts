/**
 * The single-file executable's main script (bundled into one CommonJS file by tools/sea/build.ts): the
 * version the build embedded, then the two-role main of src/cli/main.ts.
 */
import { embedVersion } from '../../src/cli/version.js';

/** Replaced by the package.json version when tools/sea/build.ts bundles this file. */
declare const KCPTUN_TS_VERSION: string;

embedVersion(KCPTUN_TS_VERSION);
// Imported only now: a static import would run the main before the version is in place.
void import('../../src/cli/main.js');
