// Builds dist/ from build/ (the wasm-bindgen output and the decoder module that
// `cargo xtask dist` puts there): wasm-opt (binaryen from npm), the inlined
// module, the <script> IIFE, the ES module and the TypeScript types. Prints the
// sizes.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import zopfli from '@gfx/zopfli';
import * as esbuild from 'esbuild';
import unpack from './src/unpack.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const build = join(here, 'build');
const dist = join(here, 'dist');

mkdirSync(dist, { recursive: true });

// 1. wasm-opt from npm's binaryen (never Debian's: it corrupts wasm-bindgen
// output): the client for size, the decoder (sdk-wasm/inflate) for speed.
const wasmOpt = (level, from, to) =>
  execFileSync(join(here, 'node_modules/.bin/wasm-opt'), [level, '--strip-debug', '--strip-producers', from, '-o', to], {
    stdio: 'inherit',
  });
const opt = join(build, 'pusher_lite_wasm.opt.wasm');
wasmOpt('-Oz', join(build, 'pusher_lite_wasm_bg.wasm'), opt);
const inflaterFile = join(build, 'pusher_lite_inflate.wasm');
wasmOpt('-O3', join(build, 'pusher_lite_inflate.raw.wasm'), inflaterFile);
const wasm = readFileSync(opt);
const inflater = readFileSync(inflaterFile);

// 2. The module's bytes as a JavaScript module: deflated, then base64, since the
// bundle must stay ASCII (a <script> served without a charset may be decoded as
// windows-1252, which would corrupt any other one-character-per-byte encoding).
// Deflating first matters: gzip cannot find the module's repetitions through
// base64 (85.7 → 72.2 KB gzip when this was introduced). Zopfli finds a
// smaller raw DEFLATE stream than zlib's level 9 (59.5 → 56.1 KB for our
// module, 1.3 s). src/unpack.mjs undoes it.
const packed = await new Promise((resolve, reject) =>
  zopfli.deflate(wasm, { numiterations: 15 }, (error, output) => (error ? reject(error) : resolve(Buffer.from(output)))),
);
const data = [inflater.toString('base64'), packed.toString('base64'), wasm.length];
// The bundle must unpack to exactly the module: checked here, with the same code.
const unpacked = unpack(...data);
if (Buffer.compare(Buffer.from(unpacked), wasm) !== 0) throw new Error('build: the packed module does not unpack to itself');
writeFileSync(
  join(build, 'wasm-bytes.js'),
  "import unpack from '../src/unpack.mjs';\n" +
    `export default () => unpack(${data.map((item) => JSON.stringify(item)).join(', ')});\n`,
);

// 3. Bundles.
const common = {
  bundle: true,
  minify: true,
  target: 'es2020',
  legalComments: 'none',
  logOverride: { 'empty-import-meta': 'silent', 'commonjs-variable-in-esm': 'silent' },
};
await esbuild.build({ ...common, entryPoints: [join(here, 'src/entry-iife.js')], format: 'iife', outfile: join(dist, 'pusher.js') });
await esbuild.build({ ...common, entryPoints: [join(here, 'src/entry-esm.js')], format: 'esm', outfile: join(dist, 'pusher.mjs') });
copyFileSync(join(here, 'src/pusher.d.ts'), join(dist, 'pusher.d.ts'));

// 4. Sizes.
const sizes = (file) => {
  const data = readFileSync(file);
  const gz = gzipSync(data, { level: 9 }).length;
  const br = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  return `${data.length} B raw, ${gz} B gzip -9, ${br} B brotli`;
};
console.log(`wasm (wasm-opt -Oz): ${sizes(opt)}; deflated ${packed.length} B; decoder ${inflater.length} B`);
console.log(`dist/pusher.js: ${sizes(join(dist, 'pusher.js'))}`);
console.log(`dist/pusher.mjs: ${sizes(join(dist, 'pusher.mjs'))}`);

// 5. The chat demo page (examples/chat, served by the reference server at `/`)
// is the Ex Pusher Lite article's page and uses jQuery; the server serves this
// copy of the npm package at /js/jquery.min.js. It is not part of the package.
copyFileSync(join(here, 'node_modules/jquery/dist/jquery.min.js'), join(dist, 'jquery.min.js'));
