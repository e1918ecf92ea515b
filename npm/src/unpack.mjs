// The bundle's WebAssembly module travels deflated and in base64 (see
// npm/build.mjs: gzip cannot compress it once it is base64). This unpacks it
// synchronously — `new Pusher(...)` works on the line after the <script> tag —
// with the raw DEFLATE decoder of sdk-wasm/inflate, a module of a few KB:
// a decoder in JavaScript would run cold, several times slower.

const bytes = (base64) => {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(base64);
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
};

/**
 * The module's bytes.
 * @param {string} inflater sdk-wasm/inflate's module, base64
 * @param {string} packed the module, raw DEFLATE, base64
 * @param {number} size the module's length
 * @returns {Uint8Array}
 */
export default (inflater, packed, size) => {
  let decoder;
  try {
    decoder = new WebAssembly.Module(bytes(inflater));
  } catch (error) {
    // The first WebAssembly the page compiles: where a Content-Security-Policy stops it.
    throw new Error(
      `pusher-lite cannot compile WebAssembly on this page (${error.message}). If the page has a Content-Security-Policy, its script-src must allow 'wasm-unsafe-eval'.`,
      { cause: error },
    );
  }
  const { memory, inflate } = new WebAssembly.Instance(decoder).exports;
  const input = bytes(packed);
  // Input and output go above everything the decoder's module uses.
  const at = memory.buffer.byteLength;
  memory.grow(Math.ceil((input.length + size) / 65536));
  new Uint8Array(memory.buffer, at, input.length).set(input);
  const written = inflate(at, input.length, at + input.length, size);
  if (written !== size) {
    throw new Error(`pusher-lite: the bundled WebAssembly module did not unpack (inflate returned ${written}, expected ${size} bytes)`);
  }
  return new Uint8Array(memory.buffer, at + input.length, size);
};
