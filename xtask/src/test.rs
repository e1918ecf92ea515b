//! `cargo xtask test`: the one test command. Each step is a function; the list
//! in [`run`] is the order they run in.

use std::path::{Path, PathBuf};

use crate::bindings;
use crate::dist;
use crate::run::{self, Cmd};
use crate::tools;

/// Runs every step, or with `--only TEXT` the steps whose names contain TEXT
/// (for working on one part; CI runs them all).
pub fn run(args: &[String]) -> Result<(), String> {
    let only = match args {
        [] => None,
        [flag, text] if flag == "--only" => Some(text.as_str()),
        _ => {
            return Err(format!(
                "usage: cargo xtask test [--only TEXT] (got {args:?})"
            ));
        }
    };
    let all: &[run::Step<'_>] = &[
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
        (
            "bindings: build (maturin wheel; Kotlin, Swift, Ruby)",
            &bindings_build,
        ),
        (
            "bindings: Python (pytest, wheel installed)",
            &bindings_python,
        ),
        ("bindings: Ruby (minitest)", &bindings_ruby),
        (
            "bindings: Kotlin (kotlinc, JUnit on the JVM)",
            &bindings_kotlin,
        ),
        (
            "bindings: Swift (package assembled, C header checked)",
            &bindings_swift,
        ),
        ("examples/django (Django test client)", &example_django),
        ("examples/ruby (minitest)", &example_ruby),
    ];
    match only {
        None => run::steps(all),
        Some(text) => {
            let chosen: Vec<run::Step<'_>> = all
                .iter()
                .filter(|(name, _)| name.contains(text))
                .copied()
                .collect();
            if chosen.is_empty() {
                return Err(format!("no step's name contains {text:?}"));
            }
            run::steps(&chosen)
        }
    }
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
/// and our bundle side by side), our client's own browser tests, the Ex
/// Pusher Lite chat page, and the npm package as `npm pack` ships it — all
/// against the real server process.
fn browser_suites() -> Result<(), String> {
    let server = build_server(false)?;
    Cmd::new("node")
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .args([
            "test/conformance.test.mjs",
            "test/api.test.mjs",
            "test/chat.test.mjs",
            "test/package.test.mjs",
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

// ----- bindings (issue #6) -------------------------------------------------------------

const BINDINGS_PYTHON: &str = "bindings/python/requirements.txt";
const RUBY_PACKAGES: [&str; 4] = ["ruby", "ruby-ffi", "ruby-minitest", "ruby-webrick"];
const JVM_PACKAGES: [&str; 3] = ["default-jre-headless", "libjna-java", "junit4"];

fn bindings_build() -> Result<(), String> {
    let python = tools::ensure_python_venv(BINDINGS_PYTHON)?;
    bindings::build(&python, false)
}

/// The venv's python with the freshly built wheel installed.
pub fn python_with_wheel() -> Result<PathBuf, String> {
    let python = tools::ensure_python_venv(BINDINGS_PYTHON)?;
    Cmd::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--force-reinstall",
        ])
        .args([bindings::wheel()?])
        .run()?;
    Ok(python)
}

fn bindings_python() -> Result<(), String> {
    let python = python_with_wheel()?;
    let server = server_binary()?;
    // From outside the source tree, so `import pusher_lite` can only be the wheel.
    Cmd::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .args([run::root().join("bindings/python/tests")])
        .dir(bindings::out_dir())
        .env("PUSHER_LITE_SERVER_BIN", &server)
        .run()
}

fn ruby_env(cmd: Cmd, server: &Path) -> Cmd {
    cmd.env("PUSHER_LITE_SERVER_BIN", server)
        .env("RUBYLIB", bindings::out_dir().join("ruby/lib"))
}

fn bindings_ruby() -> Result<(), String> {
    tools::ensure_apt(&RUBY_PACKAGES)?;
    let server = server_binary()?;
    ruby_env(Cmd::new("ruby"), &server)
        .args(["-I", "bindings/ruby/test", "-e"])
        .args(["Dir['bindings/ruby/test/test_*.rb'].sort.each { |f| require File.expand_path(f) }"])
        .run()
}

fn bindings_kotlin() -> Result<(), String> {
    tools::ensure_apt(&JVM_PACKAGES)?;
    let kotlin = tools::ensure_npm_tool("bindings/kotlin", "kotlinc")?.join("kotlin-compiler");
    let server = server_binary()?;
    let lib = kotlin.join("lib");
    let classpath = [
        PathBuf::from("/usr/share/java/jna.jar"),
        PathBuf::from("/usr/share/java/junit4.jar"),
        lib.join("kotlinx-coroutines-core-jvm.jar"),
        lib.join("kotlin-test.jar"),
        lib.join("kotlin-test-junit.jar"),
    ];
    let classes = bindings::out_dir().join("kotlin/classes");
    let _ = std::fs::remove_dir_all(&classes);
    let join =
        |paths: &[PathBuf]| std::env::join_paths(paths).map_err(|e| format!("class path: {e}"));
    let mut sources = vec![bindings::kotlin_source()];
    for entry in std::fs::read_dir(run::root().join("bindings/kotlin/test"))
        .map_err(|e| format!("bindings/kotlin/test: {e}"))?
    {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "kt") {
            sources.push(path);
        }
    }
    Cmd::new(kotlin.join("bin/kotlinc"))
        .args(&sources)
        .args(["-nowarn", "-cp"])
        .args([join(&classpath)?])
        .args(["-d"])
        .args([&classes])
        .run()?;
    let mut runtime = vec![classes, lib.join("kotlin-stdlib.jar")];
    runtime.extend(classpath);
    runtime.push(PathBuf::from("/usr/share/java/hamcrest-core.jar"));
    Cmd::new("java")
        .args([format!(
            "-Djna.library.path={}",
            bindings::out_dir().join("kotlin/lib").display()
        )])
        .args(["-cp"])
        .args([join(&runtime)?])
        .args(["org.junit.runner.JUnitCore", "io.pusherlite.PusherLiteTest"])
        .env("PUSHER_LITE_SERVER_BIN", &server)
        .run()
}

/// Swift cannot be compiled on this machine (no Swift toolchain in Debian's
/// archive); the package is assembled and its C header compiled as C.
fn bindings_swift() -> Result<(), String> {
    let package = bindings::out_dir().join("swift/PusherLite");
    for file in [
        "Package.swift",
        "Sources/PusherLite/PusherLite.swift",
        "Sources/pusher_liteFFI/pusher_liteFFI.h",
        "Sources/pusher_liteFFI/module.modulemap",
        "lib/libpusher_lite_ffi.so",
    ] {
        if !package.join(file).is_file() {
            return Err(format!("the Swift package lacks {file}"));
        }
    }
    // Included by a C file, as a consumer of the module includes it.
    let check = bindings::out_dir().join("swift/header_check.c");
    std::fs::write(
        &check,
        "#include \"pusher_liteFFI.h\"\nint main(void) { return 0; }\n",
    )
    .map_err(|e| format!("{}: {e}", check.display()))?;
    Cmd::new("gcc")
        .args(["-fsyntax-only", "-std=c11", "-Wall", "-Wextra", "-Werror"])
        .args(["-D_Nonnull=", "-D_Nullable=", "-I"])
        .args([package.join("Sources/pusher_liteFFI"), check])
        .run()
}

fn example_django() -> Result<(), String> {
    let python = python_with_wheel()?;
    let server = server_binary()?;
    Cmd::new(&python)
        .args(["manage.py", "test", "--noinput", "-v", "2"])
        .dir(run::root().join("examples/django"))
        .env("PUSHER_LITE_SERVER_BIN", &server)
        .run()
}

fn example_ruby() -> Result<(), String> {
    tools::ensure_apt(&RUBY_PACKAGES)?;
    let server = server_binary()?;
    ruby_env(Cmd::new("ruby"), &server)
        .args(["test/test_app.rb"])
        .dir(run::root().join("examples/ruby"))
        .run()
}
