// dist/pusher.js: one file for a <script> tag. The WebAssembly module is inlined
// and instantiated synchronously, so `new Pusher(...)` works on the next line.
// The module's bytes first: see build.mjs.
import { decoder, packed, size } from '../build/wasm-bytes.js';
import { initSync } from '../build/pusher_lite_wasm.renamed.js';
import unpack from './unpack.mjs';
import Pusher, { PusherLite, Channel, Members, BadEventName, BadChannelName, UnsupportedFeature, HTTPAuthError } from './pusher.js';

initSync({ module: unpack(decoder, packed, size) });

Object.assign(Pusher, { PusherLite, Channel, Members, BadEventName, BadChannelName, UnsupportedFeature, HTTPAuthError });

// Run by a CommonJS loader (Node, browserify, a bundler's `require`), the file
// exports Pusher and touches no global, as pusher-js's UMD build does. build.mjs
// wraps the bundle in a function that hands it the loader's `module`
// (`commonJsModule`; esbuild would take a bare `module` for its own).
/* global commonJsModule */
if (typeof commonJsModule === 'object' && commonJsModule) {
  commonJsModule.exports = Pusher;
} else {
  const root = globalThis;
  root.Pusher = Pusher;
  root.PusherLite = PusherLite;
  registerWithLoaders(root, { default: PusherLite, PusherLite, Pusher });
}

// `require("pusher_lite").default`, as the Ex Pusher Lite pages load it: register
// with the page's module loader (AMD, brunch-style CommonJS), or provide a
// minimal `require` when the page has none.
function registerWithLoaders(root, lite) {
  const names = ['pusher_lite', 'pusher-lite'];
  const amd = typeof root.define === 'function' && root.define.amd;
  if (amd) {
    for (const name of names) root.define(name, [], () => lite);
  }
  const previous = root.require;
  if (typeof previous === 'function' && typeof previous.register === 'function') {
    for (const name of names) {
      previous.register(name, (exports, require, module) => {
        module.exports = lite;
      });
    }
  } else if (!amd) {
    root.require = function require(name) {
      if (names.includes(name)) return lite;
      if (name === 'pusher-js') return Pusher;
      if (typeof previous === 'function') return previous.apply(this, arguments);
      throw new Error(`Cannot find module '${name}'`);
    };
  }
}
