//! `cargo xtask test`: the one test command. Each step is a function; the list
//! in [`run`] is the order they run in.

use std::path::{Path, PathBuf};

use crate::dist;
use crate::run::{self, Cmd};
use crate::tools;

/// Runs every step. Flags: none yet.
pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(flag) = args.first() {
        return Err(format!(
            "`cargo xtask test` takes no arguments (got {flag:?})"
        ));
    }
    run::steps(&[
        ("toolchain", &toolchain),
        ("fmt", &fmt),
        ("clippy", &clippy),
        ("rust tests", &rust_tests),
        ("wasm32 build of the core, sans-IO check", &wasm_core),
        (
            "compatibility: official pusher-js, pusher (npm, PyPI)",
            &compat,
        ),
        (
            "load check: 10,000 connections, presence churn, fan-out",
            &load,
        ),
        (
            "browser toolchain: Chromium, ChromeDriver, wasm-bindgen, npm packages",
            &browser_toolchain,
        ),
        ("browser bundle (cargo xtask dist)", &dist::build),
        (
            "browser glue tests in Chromium (wasm-bindgen-test)",
            &wasm_glue_tests,
        ),
        (
            "browser suites in Chromium against the server (Playwright)",
            &browser_suites,
        ),
    ])
}

fn toolchain() -> Result<(), String> {
    tools::ensure_wasm_target()?;
    let installed = Cmd::new("rustup")
        .args(["component", "list", "--installed"])
        .output()?;
    for component in ["rustfmt", "clippy"] {
        if !installed.lines().any(|l| l.starts_with(component)) {
            Cmd::new("rustup")
                .args(["component", "add", component])
                .run()?;
        }
    }
    Ok(())
}

fn fmt() -> Result<(), String> {
    Cmd::new("cargo")
        .args(["fmt", "--all", "--", "--check"])
        .run()
}

fn clippy() -> Result<(), String> {
    Cmd::new("cargo")
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .run()?;
    // The browser crate's wasm-only code (its in-browser tests) too.
    Cmd::new("cargo")
        .args(["clippy", "-p", "pusher-lite-wasm", "--all-targets"])
        .args(["--target", "wasm32-unknown-unknown", "--", "-D", "warnings"])
        .run()
}

fn browser_toolchain() -> Result<(), String> {
    tools::ensure_apt(&["chromium", "chromium-driver"])?;
    tools::ensure_wasm_bindgen()?;
    tools::ensure_npm("npm")?;
    Ok(())
}

/// `sdk-wasm`'s own tests, compiled to wasm32 and run in headless Chromium.
fn wasm_glue_tests() -> Result<(), String> {
    let runner = tools::ensure_wasm_bindgen()?.with_file_name("wasm-bindgen-test-runner");
    Cmd::new("cargo")
        .args([
            "test",
            "-p",
            "pusher-lite-wasm",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .dir(run::root().join("sdk-wasm"))
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", runner)
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .run()
}

/// The Playwright suites of `npm/test/`: the API-conformance suite (pusher-js
/// and our bundle side by side), our client's own browser tests, and the Ex
/// Pusher Lite chat page — all against the real server process.
fn browser_suites() -> Result<(), String> {
    let server = build_server(false)?;
    Cmd::new("node")
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .args([
            "test/conformance.test.mjs",
            "test/api.test.mjs",
            "test/chat.test.mjs",
        ])
        .dir(run::root().join("npm"))
        .env("PUSHER_LITE_SERVER", server)
        .run()
}

/// Builds the reference server (optimised when `release`); returns its binary.
pub fn build_server(release: bool) -> Result<PathBuf, String> {
    let profile = if release { "release" } else { "debug" };
    Cmd::new("cargo")
        .args(["build", "-p", "pusher-lite-server"])
        .args(release.then_some("--release"))
        .run()?;
    let bin = dist::target_dir().join(profile).join("pusher-lite-server");
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "the reference server binary {} was not built: the browser suites run against the real server (issue #3); merge it in once it has its `pusher-lite-server` binary",
            bin.display()
        ))
    }
}

fn rust_tests() -> Result<(), String> {
    Cmd::new("cargo")
        .args(["test", "--workspace", "--all-targets"])
        .run()?;
    // Doc tests (not covered by --all-targets): the examples in rustdoc compile and pass.
    Cmd::new("cargo")
        .args(["test", "--workspace", "--doc"])
        .run()
}

/// The core builds for the browser and stays sans-IO: no clock, threads,
/// sockets, runtime or OS randomness in its code or its dependency tree.
fn wasm_core() -> Result<(), String> {
    const TARGET: &str = "wasm32-unknown-unknown";
    Cmd::new("cargo")
        .args(["build", "-p", "pusher-lite-core", "--target", TARGET])
        .run()?;
    let tree = Cmd::new("cargo")
        .args(["tree", "-p", "pusher-lite-core", "--target", TARGET])
        .args(["-e", "normal", "--prefix", "none"])
        .output()?;
    const FORBIDDEN_CRATES: [&str; 7] = [
        "getrandom",
        "rand_core",
        "tokio",
        "mio",
        "web-sys",
        "js-sys",
        "wasm-bindgen",
    ];
    let crate_name = |line: &str| line.split_whitespace().next().unwrap_or("").to_owned();
    if let Some(line) = tree
        .lines()
        .find(|l| FORBIDDEN_CRATES.contains(&crate_name(l).as_str()))
    {
        return Err(format!(
            "sdk-core must stay sans-IO, but its dependency tree contains {line}"
        ));
    }
    const FORBIDDEN_CODE: [&str; 5] = [
        "std::time",
        "Instant::",
        "SystemTime",
        "std::thread",
        "std::net",
    ];
    for file in rust_files(&run::root().join("sdk-core/src"))? {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut code = text.lines().filter(|l| !l.trim_start().starts_with("//"));
        let hit = code.find_map(|l| {
            FORBIDDEN_CODE
                .iter()
                .find(|w| l.contains(*w))
                .map(|w| (l, w))
        });
        if let Some((line, word)) = hit {
            return Err(format!(
                "sdk-core must stay sans-IO, but {} uses {word}: {}",
                file.display(),
                line.trim()
            ));
        }
    }
    Ok(())
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(files)
}

/// The server and the native SDK against the official packages: pusher-js
/// (Node build) and the `pusher` libraries from npm and PyPI, pinned in
/// tests/compat.
fn compat() -> Result<(), String> {
    tools::ensure_npm("tests/compat")?;
    let python = tools::ensure_python_venv("tests/compat/requirements.txt")?;
    let server = server_binary()?;
    Cmd::new("cargo")
        .args(["build", "-q", "-p", "pusher-lite", "--bin", "pusher-lite"])
        .run()?;
    let cli = server.with_file_name("pusher-lite");
    Cmd::new("node")
        .args(["--test", "--test-concurrency=1", "--test-force-exit"])
        .dir(run::root().join("tests/compat"))
        .env("PUSHER_LITE_SERVER_BIN", &server)
        .env("PUSHER_LITE_CLI_BIN", &cli)
        .env("PUSHER_LITE_PYTHON", &python)
        .run()
}

/// Builds the server (debug, like the tests) and returns its path.
fn server_binary() -> Result<PathBuf, String> {
    Cmd::new("cargo")
        .args(["build", "-q", "-p", "pusher-lite-server"])
        .run()?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| run::root().join("target"), PathBuf::from);
    Ok(target.join("debug/pusher-lite-server"))
}

/// Holds 10,000 WebSocket connections against the server process and checks
/// every fan-out delivery arrived; prints memory per connection (not asserted).
fn load() -> Result<(), String> {
    server_binary()?;
    Cmd::new("cargo")
        .args(["run", "-q", "-p", "pusher-lite-load", "--", "10000"])
        .run()
}
