//! `cargo xtask dist`: builds the browser bundle `npm/dist/` — the wasm32 builds
//! of `sdk-wasm` and of the decoder that unpacks it in the bundle
//! (`sdk-wasm/inflate`), wasm-bindgen (pinned to the crate's version), wasm-opt
//! from npm's binaryen, and esbuild (`npm/build.mjs`): `pusher.js` for a
//! `<script>` tag, `pusher.mjs`, `pusher.d.ts`.

use std::path::PathBuf;

use crate::run::{Cmd, root};
use crate::tools;

/// Builds `npm/dist/`.
pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(flag) = args.first() {
        return Err(format!(
            "`cargo xtask dist` takes no arguments (got {flag:?})"
        ));
    }
    build()
}

/// Where cargo puts build output.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Builds the bundle (also a step of `cargo xtask test` and `bench`).
pub fn build() -> Result<(), String> {
    tools::ensure_wasm_target()?;
    let wasm_bindgen = tools::ensure_wasm_bindgen()?;
    tools::ensure_npm("npm")?;
    Cmd::new("cargo")
        .args(["build", "--target", "wasm32-unknown-unknown"])
        .args(["--profile", "wasm-release"])
        .args(["-p", "pusher-lite-wasm", "-p", "pusher-lite-inflate"])
        .run()?;
    let out = target_dir().join("wasm32-unknown-unknown/wasm-release");
    let npm_build = root().join("npm/build");
    Cmd::new(wasm_bindgen)
        .args(["--target", "web", "--out-dir"])
        .args([&npm_build])
        .args([out.join("pusher_lite_wasm.wasm")])
        .run()?;
    // The decoder has no JavaScript glue: build.mjs optimises and inlines it as is.
    std::fs::copy(
        out.join("pusher_lite_inflate.wasm"),
        npm_build.join("pusher_lite_inflate.raw.wasm"),
    )
    .map_err(|e| format!("copying the decoder module into npm/build: {e}"))?;
    Cmd::new("node")
        .args(["build.mjs"])
        .dir(root().join("npm"))
        .run()
}
