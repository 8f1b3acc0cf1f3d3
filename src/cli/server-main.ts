#!/usr/bin/env node
/** kcptun-server: a drop-in for Go kcptun's server. */
// heap-tuning.ts must run before the program's modules are even parsed, so they are imported only after it:
// ESM parses a module's whole static import graph before it runs any of it, and parsing ours (some 140
// modules) grew V8's young generation to 2 x 2 MiB before a static first import could stop it.
import './heap-tuning.js';
// malloc-arenas.ts too, before V8's and libuv's threads first malloc (each would get an arena of its own)
import './malloc-arenas.js';

// Not awaited: the single-file executable's bundler turns this module into CommonJS, without top-level await.
void import('./server-program.js');
