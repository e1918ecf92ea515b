// dist/pusher.mjs: the ES module build (wasm inlined, instantiated on import).
import { initSync } from '../build/pusher_lite_wasm.js';
import wasm from '../build/wasm-bytes.js';

initSync({ module: wasm() });

export { default, default as Pusher, PusherLite, Channel, Members, ConnectionManager, UserFacade, BadEventName, BadChannelName, UnsupportedFeature, HTTPAuthError, VERSION } from './pusher.js';
