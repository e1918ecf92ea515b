//! `cargo xtask bench`: speed and size budgets, measured side by side with the
//! reference implementations in one run and reported as ratios — never asserted.
//!
//! Sections: `browser` (our dist/pusher.js vs pusher-js 8.6: bundle size,
//! inbound throughput in Chromium, time from script tag to `connected`).

use crate::run::{self, Cmd};
use crate::{dist, test, tools};

/// Runs every section, or the ones named (`cargo xtask bench browser`).
pub fn run(args: &[String]) -> Result<(), String> {
    const SECTIONS: [&str; 1] = ["browser"];
    if let Some(unknown) = args.iter().find(|a| !SECTIONS.contains(&a.as_str())) {
        return Err(format!(
            "unknown bench section {unknown:?}; sections: {}",
            SECTIONS.join(", ")
        ));
    }
    let wants = |name: &str| args.is_empty() || args.iter().any(|a| a == name);
    if wants("browser") {
        browser()?;
    }
    Ok(())
}

fn browser() -> Result<(), String> {
    tools::ensure_apt(&["chromium"])?;
    dist::build()?;
    let server = test::build_server(true)?;
    Cmd::new("node")
        .args(["bench/browser.mjs"])
        .dir(run::root().join("npm"))
        .env("PUSHER_LITE_SERVER", server)
        .run()
}
