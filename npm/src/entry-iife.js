// dist/pusher.js: one file for a <script> tag. The WebAssembly module is inlined
// and instantiated synchronously, so `new Pusher(...)` works on the next line.
// The module's bytes first: see build.mjs.
import { decoder, packed, size } from '../build/wasm-bytes.js';
import { initSync } from '../build/pusher_lite_wasm.renamed.js';
import unpack from './unpack.mjs';
import Pusher, { PusherLite, Channel, Members, BadEventName, BadChannelName, UnsupportedFeature, HTTPAuthError } from './pusher.js';

initSync({ module: unpack(decoder, packed, size) });

Object.assign(Pusher, { PusherLite, Channel, Members, BadEventName, BadChannelName, UnsupportedFeature, HTTPAuthError });

const lite = { default: PusherLite, PusherLite, Pusher };
const root = globalThis;
root.Pusher = Pusher;
root.PusherLite = PusherLite;

// `require("pusher_lite").default`, as the Ex Pusher Lite pages load it: register
// with the page's module loader (AMD, brunch-style CommonJS), or provide a
// minimal `require` when the page has none.
const names = ['pusher_lite', 'pusher-lite'];
if (typeof root.define === 'function' && root.define.amd) {
  for (const name of names) root.define(name, [], () => lite);
}
const previous = root.require;
if (typeof previous === 'function' && typeof previous.register === 'function') {
  for (const name of names) {
    previous.register(name, (exports, require, module) => {
      module.exports = lite;
    });
  }
} else if (!(typeof root.define === 'function' && root.define.amd)) {
  root.require = function require(name) {
    if (names.includes(name)) return lite;
    if (name === 'pusher-js') return Pusher;
    if (typeof previous === 'function') return previous.apply(this, arguments);
    throw new Error(`Cannot find module '${name}'`);
  };
}
if (typeof module === 'object' && module && module.exports) module.exports = Pusher;
