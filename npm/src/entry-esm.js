// dist/pusher.mjs: the ES module build (wasm inlined, instantiated on import).
// The module's bytes first: see build.mjs.
import { decoder, packed, size } from '../build/wasm-bytes.js';
import { initSync } from '../build/pusher_lite_wasm.renamed.js';
import unpack from './unpack.mjs';

initSync({ module: unpack(decoder, packed, size) });

export { default, default as Pusher, PusherLite, Channel, Channels, Members, ConnectionManager, UserFacade, BadEventName, BadChannelName, UnsupportedFeature, HTTPAuthError, VERSION } from './pusher.js';
