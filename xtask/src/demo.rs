//! `cargo xtask demo`: build the browser bundle, the server and the CLI, then
//! run the server with the demo chat page until Ctrl-C. The server prints the URL and the
//! credentials (and the environment for the `pusher-lite` CLI).

use crate::dist;
use crate::run::Cmd;

/// Builds and starts the demo. Flags: `--port N`, `--host H` (passed on).
pub fn run(args: &[String]) -> Result<(), String> {
    let mut server_args: Vec<String> = Vec::new();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        match flag.as_str() {
            "--port" | "--host" => {
                let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
                server_args.push(flag.clone());
                server_args.push(value.clone());
            }
            other => {
                return Err(format!(
                    "`cargo xtask demo` takes --host and --port (got {other:?})"
                ));
            }
        }
    }
    // The chat page loads /js/pusher.js and /js/jquery.min.js from npm/dist.
    dist::build()?;
    Cmd::new("cargo")
        .args([
            "build",
            "--release",
            "-p",
            "pusher-lite-server",
            "-p",
            "pusher-lite",
        ])
        .run()?;
    println!("\nStarting the demo server; stop it with Ctrl-C.\n");
    Cmd::new("cargo")
        .args(["run", "--release", "-q", "-p", "pusher-lite-server", "--"])
        .args(&server_args)
        .run()
}
