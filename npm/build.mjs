// Builds dist/ from build/ (the wasm-bindgen output that `cargo xtask dist` puts
// there): wasm-opt -Oz (binaryen from npm), the inlined module, the <script> IIFE,
// the ES module and the TypeScript types. Prints the sizes.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const build = join(here, 'build');
const dist = join(here, 'dist');

mkdirSync(dist, { recursive: true });

// 1. wasm-opt from npm's binaryen (never Debian's: it corrupts wasm-bindgen output).
const raw = join(build, 'pusher_lite_wasm_bg.wasm');
const opt = join(build, 'pusher_lite_wasm.opt.wasm');
execFileSync(join(here, 'node_modules/.bin/wasm-opt'), ['-Oz', '--strip-debug', '--strip-producers', raw, '-o', opt], {
  stdio: 'inherit',
});
const wasm = readFileSync(opt);

// 2. The module's bytes as a JavaScript module, in base64: the bundle must stay
// ASCII, since a <script> served without a charset may be decoded as
// windows-1252, which would corrupt any other one-character-per-byte encoding.
writeFileSync(
  join(build, 'wasm-bytes.js'),
  `const b64 = ${JSON.stringify(wasm.toString('base64'))};\n` +
    'export default () => {\n' +
    '  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(b64);\n' +
    '  const text = atob(b64);\n' +
    '  const bytes = new Uint8Array(text.length);\n' +
    '  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);\n' +
    '  return bytes;\n' +
    '};\n',
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
console.log(`wasm (wasm-opt -Oz): ${sizes(opt)}`);
console.log(`dist/pusher.js: ${sizes(join(dist, 'pusher.js'))}`);
console.log(`dist/pusher.mjs: ${sizes(join(dist, 'pusher.mjs'))}`);

// 5. The chat demo page (examples/chat, served by the reference server at `/`)
// is the Ex Pusher Lite article's page and uses jQuery; the server serves this
// copy of the npm package at /js/jquery.min.js. It is not part of the package.
copyFileSync(join(here, 'node_modules/jquery/dist/jquery.min.js'), join(dist, 'jquery.min.js'));
