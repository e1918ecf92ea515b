//! `cargo xtask bindings`: builds the uniffi bindings of `pusher-lite-ffi`
//! for every language into `<target>/bindings/`:
//!
//! - `python/`: the wheel, built by maturin (which also builds the library
//!   and runs the workspace's `uniffi-bindgen` for Python);
//! - `ruby/lib/`: `pusher_lite.rb` made safe by [`patch_ruby`] (`require
//!   'io/wait'`, `blocking: true`, rescuable `PusherError`), next to the library;
//! - `kotlin/`: the generated package sources and the library (JNA loads it
//!   by name, as on Android);
//! - `swift/PusherLite/`: a Swift package (sources, header, module map,
//!   `Package.swift`), with the header syntax-checked by the C compiler.
//!
//! One library and one generator serve every language: the other languages
//! are generated from the library maturin built, with the generator maturin
//! ran (`cargo run --bin uniffi-bindgen`, debug), so nothing builds twice.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::dist::target_dir;
use crate::run::{self, Cmd, root};
use crate::tools;

/// The library's file name.
pub const LIB: &str = "libpusher_lite_ffi.so";

/// Where the bindings are written.
pub fn out_dir() -> PathBuf {
    target_dir().join("bindings")
}

/// The built wheel.
pub fn wheel() -> Result<PathBuf, String> {
    let dir = out_dir().join("python");
    std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| format!("no wheel in {}", dir.display()))
}

/// `cargo xtask bindings [--release]`.
pub fn run(args: &[String]) -> Result<(), String> {
    let release = run::only_flag(args, "bindings", "--release")?;
    let python = tools::ensure_python_venv("bindings/python/requirements.txt")?;
    build(&python, release)?;
    println!("bindings written to {}", out_dir().display());
    Ok(())
}

fn timed<T>(what: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    let start = Instant::now();
    let result = f();
    println!("    [{what}: {:.1} s]", start.elapsed().as_secs_f64());
    result
}

/// Builds the wheel (an optimised library with `release`: what you ship and
/// what the bench measures; the tests use the faster debug build) and
/// generates and assembles the other languages.
pub fn build(python: &Path, release: bool) -> Result<(), String> {
    let out = out_dir();
    let maturin = python.with_file_name("maturin");
    let wheels = out.join("python");
    if wheels.exists() {
        std::fs::remove_dir_all(&wheels).map_err(|e| format!("{}: {e}", wheels.display()))?;
    }
    timed("maturin build (library, uniffi-bindgen, wheel)", || {
        Cmd::new(&maturin)
            .args(["build", "--manifest-path", "bindings/Cargo.toml"])
            .args(release.then_some("--release"))
            .args(["--out"])
            .args([&wheels])
            .args(["--interpreter"])
            .args([python])
            .run()
    })?;
    // The library inside the wheel is the one every language gets.
    let unpacked = out.join("wheel");
    if unpacked.exists() {
        std::fs::remove_dir_all(&unpacked).map_err(|e| format!("{}: {e}", unpacked.display()))?;
    }
    Cmd::new(python)
        .args(["-m", "zipfile", "-e"])
        .args([wheel()?, unpacked.clone()])
        .run()?;
    let lib = unpacked.join("pusher_lite/pusher_lite").join(LIB);
    if !lib.exists() {
        return Err(format!("the wheel has no {}", lib.display()));
    }
    let generated = out.join("generated");
    timed("uniffi-bindgen: Kotlin, Swift, Ruby", || {
        Cmd::new("cargo")
            .args([
                "run",
                "-q",
                "--bin",
                "uniffi-bindgen",
                "--",
                "generate",
                "--no-format",
            ])
            .args(["-l", "kotlin", "-l", "swift", "-l", "ruby", "--out-dir"])
            .args([&generated])
            .args(["--library"])
            .args([&lib])
            .run()
    })?;

    // Ruby: the patched file next to the library.
    let ruby = out.join("ruby/lib");
    mkdir(&ruby)?;
    let source = read(&generated.join("pusher_lite.rb"))?;
    write(&ruby.join("pusher_lite.rb"), &patch_ruby(&source)?)?;
    place(&lib, &ruby.join(LIB))?;

    // Kotlin: the sources stay where they were generated; the library beside.
    let kotlin = out.join("kotlin/lib");
    mkdir(&kotlin)?;
    place(&lib, &kotlin.join(LIB))?;

    // Swift: a package.
    let package = out.join("swift/PusherLite");
    let swift_sources = package.join("Sources/PusherLite");
    let ffi = package.join("Sources/pusher_liteFFI");
    let libs = package.join("lib");
    for dir in [&swift_sources, &ffi, &libs] {
        mkdir(dir)?;
    }
    write(
        &package.join("Package.swift"),
        &read(&root().join("bindings/swift/Package.swift"))?,
    )?;
    write(
        &swift_sources.join("PusherLite.swift"),
        &read(&generated.join("PusherLite.swift"))?,
    )?;
    write(
        &ffi.join("pusher_liteFFI.h"),
        &read(&generated.join("pusher_liteFFI.h"))?,
    )?;
    write(
        &ffi.join("module.modulemap"),
        &read(&generated.join("pusher_liteFFI.modulemap"))?,
    )?;
    place(&lib, &libs.join(LIB))?;
    Ok(())
}

/// The generated Kotlin source.
pub fn kotlin_source() -> PathBuf {
    out_dir().join("generated/io/pusherlite/pusher_lite.kt")
}

fn mkdir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Puts the library at `to` (a hard link when possible: it is large in debug).
fn place(lib: &Path, to: &Path) -> Result<(), String> {
    let _ = std::fs::remove_file(to);
    if std::fs::hard_link(lib, to).is_ok() {
        return Ok(());
    }
    std::fs::copy(lib, to)
        .map(|_| ())
        .map_err(|e| format!("copying {} to {}: {e}", lib.display(), to.display()))
}

/// Makes the generated Ruby safe to use, in three edits the generator does not
/// make itself (see TOOLCHAIN.md):
///
/// 1. `require 'io/wait'` first: the async support calls `IO#wait_readable`,
///    which Ruby 3.1 only has with it;
/// 2. `blocking: true` on every attached function of ours (`fn_method_`,
///    `fn_func_`, `fn_constructor_`, `fn_free_`): ruby-ffi then releases the
///    GVL during the call, so a listener called from a Rust thread can run
///    while the caller waits (without it, `shutdown` or a blocking call that
///    waits on a listener deadlocks);
/// 3. each `PusherError` variant includes the `PusherError` module, so
///    `rescue PusherLite::PusherError` catches them all (the generated module
///    is otherwise unrelated to its classes).
///
/// Fails if the generated text no longer has the shape these edits expect.
pub fn patch_ruby(source: &str) -> Result<String, String> {
    const PREFIXES: [&str; 4] = [
        "  attach_function :uniffi_pusher_lite_ffi_fn_method_",
        "  attach_function :uniffi_pusher_lite_ffi_fn_func_",
        "  attach_function :uniffi_pusher_lite_ffi_fn_constructor_",
        "  attach_function :uniffi_pusher_lite_ffi_fn_free_",
    ];
    let mut out = String::with_capacity(source.len() + 8192);
    out.push_str("# Patched by cargo xtask bindings (xtask/src/bindings.rs, patch_ruby).\nrequire 'io/wait'\n");
    let mut in_attach = false;
    let mut in_error_module = false;
    let (mut blocking, mut included) = (0, 0);
    for line in source.lines() {
        if PREFIXES.iter().any(|p| line.starts_with(p)) {
            in_attach = true;
        }
        if line == "module PusherError" {
            in_error_module = true;
        } else if in_error_module && line == "end" {
            in_error_module = false;
        }
        out.push_str(line);
        if in_attach && !line.trim_end().ends_with(',') {
            out.push_str(", blocking: true");
            in_attach = false;
            blocking += 1;
        }
        out.push('\n');
        if in_error_module && line.starts_with("  class ") && line.ends_with(" < StandardError") {
            out.push_str("    include PusherError\n");
            included += 1;
        }
    }
    if blocking < 50 || included < 10 {
        return Err(format!(
            "the generated Ruby changed shape: made {blocking} functions blocking and {included} error classes rescuable"
        ));
    }
    Ok(out)
}
