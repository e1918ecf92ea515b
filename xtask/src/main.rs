//! `cargo xtask` — the project's automation, in Rust so it runs wherever cargo does.
//!
//! - `cargo xtask test`: every check and test, every language (the one test command);
//! - `cargo xtask dist`: the browser bundle `npm/dist/`;
//! - `cargo xtask demo`: build everything and start the reference server with the chat page;
//! - `cargo xtask bench`: measurements side by side with their anchors (`bench/report.md`).
//! - `cargo xtask bindings`: the Python wheel and the Ruby, Kotlin and Swift bindings.
//!
//! Both install what they need on a fresh machine (see `tools`). Under `CI=true`
//! nothing is skipped: a tool that cannot be installed is a failure.

mod bench;
mod bindings;
mod chart;
mod demo;
mod dist;
mod run;
mod test;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test    fmt check, clippy -D warnings, every test in every language, the wasm32 build
          (--only TEXT: just the steps whose names contain TEXT)
  dist    build the browser bundle npm/dist/ (pusher.js, pusher.mjs, pusher.d.ts)
  demo    build the server and start it with the demo chat page (prints URL and credentials)
  bench   measurements side by side with pusher-js and the official libraries (--quick: one run)
  bindings  build the Python wheel and the Ruby, Kotlin and Swift bindings into <target>/bindings
            (--release: the optimised library, as shipped)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(&args[1..]),
        Some("demo") => demo::run(&args[1..]),
        Some("dist") => dist::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("bindings") => bindings::run(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{USAGE}")),
        None => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
