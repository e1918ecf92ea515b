//! `cargo xtask test`: the one test command. Each step is a function; the list
//! in [`run`] is the order they run in.

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
        ("wasm32 build of the core", &wasm_core),
    ])
}

fn toolchain() -> Result<(), String> {
    tools::ensure_wasm_target()?;
    for component in ["rustfmt", "clippy"] {
        let have = Cmd::new("rustup")
            .args(["component", "list", "--installed"])
            .output()?;
        if !have.lines().any(|l| l.starts_with(component)) {
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
        .run()
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

fn wasm_core() -> Result<(), String> {
    Cmd::new("cargo")
        .args([
            "build",
            "-p",
            "pusher-lite-core",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .run()
}
