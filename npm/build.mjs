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
import binaryen from 'binaryen';
import unpack from './src/unpack.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const build = join(here, 'build');
const dist = join(here, 'dist');

mkdirSync(dist, { recursive: true });

// 1. wasm-opt from npm's binaryen (never Debian's: it corrupts wasm-bindgen
// output): the client for size, the decoder (sdk-wasm/inflate) for speed.
const wasmOpt = (level, from, to, extra = []) =>
  execFileSync(join(here, 'node_modules/.bin/wasm-opt'), [level, '--strip-debug', '--strip-producers', ...extra, from, '-o', to], {
    stdio: ['ignore', 'pipe', 'inherit'],
  }).toString();
const opt = join(build, 'pusher_lite_wasm.opt.wasm');
// Rust's panic machinery, snipped: each function below never returns, and in
// the browser a panic ends in a trap either way (panic = "abort"; std writes
// its message to a stderr that wasm32-unknown-unknown discards). Their bodies
// become `unreachable`, so the formatting code that only builds panic
// messages (Debug escapes, the Unicode printable tables, slice-index messages)
// drops out: 1.7 KB of the deflated module. Names are read from the module's
// name section, without crate hashes.
//
// The formatters after them are reached only through the vtables of those
// messages (a char and a byte range in str-slicing errors, `{:#?}` in assert
// messages, the panic payloads): no code of ours or of our dependencies
// formats a char or a range with Debug outside a panic. The vtables stay in
// the data section, which nothing then reads, but the functions kept them,
// and the Unicode tables, in the module: 1.5 KB more of the deflated module.
const PANICS = [
  /^core::panicking::(panic|panic_fmt|panic_bounds_check|panic_nounwind|panic_nounwind_fmt|panic_display|panic_explicit|panic_cannot_unwind|panic_in_cleanup|panic_misaligned_pointer_dereference|panic_null_pointer_dereference|assert_failed_inner)$/,
  /^core::panicking::(assert_failed|panic_const::panic_const_\w+)(::<.*>)?$/,
  /^core::slice::index::slice_(index|start_index_len|end_index_len|index_order|end_index_overflow|start_index_overflow)_fail$/,
  /^core::str::(slice_error_fail|slice_error_fail_rt|slice_error_fail_ct|str_index_overflow_fail)$/,
  /^core::(result::unwrap_failed|option::unwrap_failed|option::expect_failed)$/,
  /^core::cell::panic_already_(mutably_)?borrowed$/,
  /^__rustc::rust_begin_unwind$/,
  /^std::panicking::(begin_panic_handler|panic_with_hook|rust_panic_with_hook)$/,
  /^alloc::raw_vec::(capacity_overflow|handle_error)$/,
  /^<char as core::fmt::Debug>::fmt$/,
  /^<core::ops::range::Range<usize> as core::fmt::Debug>::fmt$/,
  /^<&usize as core::fmt::Debug>::fmt$/,
  /^<core::fmt::builders::PadAdapter as core::fmt::Write>::write_(str|char|fmt)$/,
  /^<std::panicking::panic_handler::(StaticStrPayload|FormatStringPayload) as .*$/,
];
function snipPanics(file) {
  const module = binaryen.readBinary(readFileSync(file));
  const functions = [];
  for (let i = 0; i < module.getNumFunctions(); i++) functions.push(binaryen.getFunctionInfo(module.getFunctionByIndex(i)));
  const plain = (name) => name.replace(/\[[0-9a-f]+\]/g, '').replace(/::h[0-9a-f]{16}$/, '');
  const panics = functions.filter(({ module: from, name }) => !from && PANICS.some((pattern) => pattern.test(plain(name))));
  if (!panics.some(({ name }) => plain(name) === 'core::panicking::panic_fmt')) {
    throw new Error('build: no core::panicking::panic_fmt in the module: its name section is gone, or Rust renamed it');
  }
  for (const { name, params, results } of panics) {
    module.removeFunction(name);
    module.addFunction(name, params, results, [], module.unreachable());
  }
  const snipped = file.replace(/\.wasm$/, '.snipped.wasm');
  writeFileSync(snipped, module.emitBinary());
  module.dispose();
  return snipped;
}
// The client's imports and exports get one- and two-letter names: wasm-bindgen
// names an import after its function and a hash (`__wbg_setTimeout_2345720d88305df0`)
// and an export after its method, and every name travels twice, in the module and
// in the glue (1 KB of the bundle's gzip). wasm-opt prints what it renamed.
const renamed = JSON.parse(wasmOpt('-Oz', snipPanics(join(build, 'pusher_lite_wasm_bg.wasm')), opt, ['--minify-imports-and-exports-and-modules']));
const decoderFile = join(build, 'pusher_lite_inflate.wasm');
wasmOpt('-O3', join(build, 'pusher_lite_inflate.raw.wasm'), decoderFile);
const wasm = readFileSync(opt);
const decoder = readFileSync(decoderFile);

// The glue, with the same names. It names imports as keys of one object per
// import module and reaches exports only as `wasm.<name>`; anything else is
// a glue this build does not know, and stops it.
let glue = readFileSync(join(build, 'pusher_lite_wasm.js'), 'utf8');
const importModules = new Set(renamed.imports.map(([module]) => module));
const shortModules = new Set(WebAssembly.Module.imports(new WebAssembly.Module(wasm)).map(({ module }) => module));
if (importModules.size !== 1 || shortModules.size !== 1) {
  throw new Error('build: expected the wasm-bindgen glue to import from one module');
}
const [[importModule], [shortModule]] = [[...importModules], [...shortModules]];
const replaceAll = (pattern, replacement, what) => {
  const before = glue;
  glue = glue.replace(pattern, replacement);
  if (glue === before) throw new Error(`build: ${what} is not in the wasm-bindgen glue`);
};
replaceAll(`${JSON.stringify(importModule)}: import0`, `${JSON.stringify(shortModule)}: import0`, `the import module ${importModule}`);
for (const [, name, short] of renamed.imports) replaceAll(new RegExp(`(?<=\\s)${name}(?=: )`, 'g'), short, `the import ${name}`);
const shortExports = new Set();
for (const [name, short] of renamed.exports) {
  glue = glue.replace(new RegExp(`\\bwasm\\.${name}\\b`, 'g'), `wasm.${short}`);
  shortExports.add(short);
}
for (const [, name] of glue.matchAll(/\bwasm\.([\w$]+)/g)) {
  if (!shortExports.has(name)) throw new Error(`build: the wasm-bindgen glue uses the export ${name}, which wasm-opt did not rename`);
}
// Long strings (event frames) cross into WebAssembly through one
// TextEncoder.encodeInto: wasm-bindgen first copies ASCII one character at a
// time in JavaScript, which took 12 % of the page's time reading a burst of
// 8 KB events (a Chromium CPU profile). Short strings keep its loop, which is
// quicker for them (at 100 bytes 0.8 against 1.3 µs).
replaceAll(
  '    let len = arg.length;\n    let ptr = malloc(len, 1) >>> 0;\n',
  `    let len = arg.length;
    if (len > 256) {
        const capacity = len * 3;
        const start = malloc(capacity, 1) >>> 0;
        const { written } = cachedTextEncoder.encodeInto(arg, getUint8ArrayMemory0().subarray(start, start + capacity));
        WASM_VECTOR_LEN = written;
        return realloc(start, capacity, written, 1) >>> 0;
    }
    let ptr = malloc(len, 1) >>> 0;
`,
  "wasm-bindgen's string copy (passStringToWasm0)",
);
writeFileSync(join(build, 'pusher_lite_wasm.renamed.js'), glue);

// 2. The module's bytes as a JavaScript module: deflated, then base64, since the
// bundle must stay ASCII (a <script> served without a charset may be decoded as
// windows-1252, which would corrupt any other one-character-per-byte encoding).
// Deflating first matters: gzip cannot find the module's repetitions through
// base64 (85.7 → 72.2 KB gzip when this was introduced). Zopfli finds a
// smaller raw DEFLATE stream than zlib's level 9 (59.5 → 56.1 KB for our
// module, 1.3 s). src/unpack.mjs undoes it. (LZMA packs the module 11 %
// smaller still, but its decoder took twice as long in Chromium, 10 against
// 5 ms, and pushed the time from script tag to connected up to pusher-js's.)
const packed = await new Promise((resolve, reject) =>
  zopfli.deflate(wasm, { numiterations: 15 }, (error, output) => (error ? reject(error) : resolve(Buffer.from(output)))),
);
const data = [decoder.toString('base64'), packed.toString('base64'), wasm.length];
// The bundle must unpack to exactly the module: checked here, with the same code.
const unpacked = unpack(...data);
if (Buffer.compare(Buffer.from(unpacked), wasm) !== 0) throw new Error('build: the packed module does not unpack to itself');
// Imported first by both entries, so that esbuild puts the two strings at the
// very start of the bundle: gzip then keeps them out of the blocks that hold
// JavaScript (1 KB smaller than with the strings between modules).
writeFileSync(
  join(build, 'wasm-bytes.js'),
  `export const decoder = ${JSON.stringify(data[0])};\n` +
    `export const packed = ${JSON.stringify(data[1])};\n` +
    `export const size = ${data[2]};\n`,
);

// 3. Bundles.
const common = {
  bundle: true,
  minify: true,
  target: 'es2020',
  legalComments: 'none',
  logOverride: { 'empty-import-meta': 'silent' },
};
// The <script> file is also what a CommonJS loader runs (package.json `require`):
// a function around it receives the loader's `module`, if there is one.
await esbuild.build({
  ...common,
  entryPoints: [join(here, 'src/entry-iife.js')],
  format: 'iife',
  banner: { js: '(function (commonJsModule) {' },
  footer: { js: "})(typeof module === 'object' && module && module.exports ? module : undefined);" },
  outfile: join(dist, 'pusher.js'),
});
await esbuild.build({ ...common, entryPoints: [join(here, 'src/entry-esm.js')], format: 'esm', outfile: join(dist, 'pusher.mjs') });
copyFileSync(join(here, 'src/pusher.d.ts'), join(dist, 'pusher.d.ts'));

// 4. Sizes.
const sizes = (file) => {
  const data = readFileSync(file);
  const gz = gzipSync(data, { level: 9 }).length;
  const br = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  return `${data.length} B raw, ${gz} B gzip -9, ${br} B brotli`;
};
console.log(`wasm (wasm-opt -Oz): ${sizes(opt)}; deflated ${packed.length} B; decoder ${decoder.length} B`);
console.log(`dist/pusher.js: ${sizes(join(dist, 'pusher.js'))}`);
console.log(`dist/pusher.mjs: ${sizes(join(dist, 'pusher.mjs'))}`);

// 5. The chat demo page (examples/chat, served by the reference server at `/`)
// is the Ex Pusher Lite article's page and uses jQuery; the server serves this
// copy of the npm package at /js/jquery.min.js. It is not part of the package.
copyFileSync(join(here, 'node_modules/jquery/dist/jquery.min.js'), join(dist, 'jquery.min.js'));
