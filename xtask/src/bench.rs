//! `cargo xtask bench`: measurements side by side with their anchors, in one
//! run on one machine, reported as ratios in `bench/report.md` and on stdout.
//! Nothing is asserted: a budget missed is reported, not failed.
//!
//! Sections: publishers (ours vs the official Node and Python libraries,
//! against the same server), the native client (inbound rate, memory per
//! subscribed channel) and the browser client (our dist/pusher.js vs pusher-js
//! 8.6 in headless Chromium: bundle size, inbound throughput, script tag to
//! `connected`). `--quick` runs each measurement once instead of three times.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::dist::{self, target_dir};
use crate::run::{self, Cmd};
use crate::tools;

const APP: (&str, &str, &str) = ("9001", "bench-key", "bench-secret");

struct ServerProcess {
    child: Child,
    port: u16,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server() -> Result<ServerProcess, String> {
    let mut child = Command::new(target_dir().join("release/pusher-lite-server"))
        .args(["--host", "127.0.0.1", "--port", "0", "--app"])
        .arg(format!("{}:{}:{}", APP.0, APP.1, APP.2))
        .env("PUSHER_LITE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let stdout = child.stdout.take().ok_or("no server stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let port = first
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().parse().ok())
        .ok_or_else(|| format!("unexpected server banner: {first:?}"))?;
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Ok(ServerProcess { child, port })
}

fn json_number(output: &str, key: &str) -> Result<f64, String> {
    let line = output.lines().last().unwrap_or_default();
    let pattern = format!("\"{key}\":");
    let start = line
        .find(&pattern)
        .ok_or_else(|| format!("no {key} in {line:?}"))?
        + pattern.len();
    let number: String = line[start..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        .collect();
    number.parse().map_err(|_| format!("bad {key} in {line:?}"))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn repeat(runs: usize, mut measure: impl FnMut() -> Result<f64, String>) -> Result<f64, String> {
    let values = (0..runs)
        .map(|_| measure())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(median(values))
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1).map(|m| m.trim().to_owned()))
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let version = |program: &str, arg: &str| {
        Cmd::new(program)
            .args([arg])
            .output()
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|_| "?".to_owned())
    };
    format!(
        "{cpu}, {cores} cores; {}; node {}; {}",
        version("rustc", "--version"),
        version("node", "--version"),
        version("python3", "--version")
    )
}

/// Runs the benchmarks.
pub fn run(args: &[String]) -> Result<(), String> {
    let quick = match args {
        [] => false,
        [flag] if flag == "--quick" => true,
        other => {
            return Err(format!(
                "`cargo xtask bench` takes only --quick (got {other:?})"
            ));
        }
    };
    let runs = if quick { 1 } else { 3 };
    tools::ensure_npm("tests/compat")?;
    let python = tools::ensure_python_venv("tests/compat/requirements.txt")?;
    Cmd::new("cargo")
        .args([
            "build",
            "--release",
            "-q",
            "-p",
            "pusher-lite-server",
            "-p",
            "pusher-lite-bench",
        ])
        .run()?;
    let server = start_server()?;
    let address = format!("127.0.0.1:{}", server.port);
    let port = server.port.to_string();
    let bin = |name: &str| target_dir().join("release").join(name);

    let mut report = String::new();
    let _ = writeln!(report, "# PusherLite benchmarks\n");
    let _ = writeln!(
        report,
        "Machine: {}. Each figure is the median of {runs} run(s) in this one run of `cargo xtask bench`; \
         every measurement of ours is taken against the same server process as its anchor.\n",
        machine()
    );

    // Publishers: ours vs the official libraries, same server, same payloads.
    let _ = writeln!(report, "## Publishers: triggers per second\n");
    let _ = writeln!(
        report,
        "| in flight | pusher-lite (Rust) | official Node `pusher` 5.3.4 | official Python `pusher` 3.3.4 | vs Node | vs Python |"
    );
    let _ = writeln!(report, "|---|---|---|---|---|---|");
    let mut summary = Vec::new();
    for (concurrency, count, python_count) in [(1, 2000, 600), (8, 4000, 800)] {
        let c = concurrency.to_string();
        let rust = repeat(runs, || {
            let out = Cmd::new(bin("trigger_throughput"))
                .args([
                    address.as_str(),
                    APP.0,
                    APP.1,
                    APP.2,
                    &count.to_string(),
                    &c,
                ])
                .output()?;
            json_number(&out, "triggers_per_sec")
        })?;
        let node = repeat(runs, || {
            let out = Cmd::new("node")
                .args([
                    "bench/anchors/trigger.mjs",
                    &port,
                    APP.0,
                    APP.1,
                    APP.2,
                    &count.to_string(),
                    &c,
                ])
                .output()?;
            json_number(&out, "triggers_per_sec")
        })?;
        let py = repeat(runs, || {
            let out = Cmd::new(&python)
                .args([
                    "bench/anchors/trigger.py",
                    &port,
                    APP.0,
                    APP.1,
                    APP.2,
                    &python_count.to_string(),
                    &c,
                ])
                .output()?;
            json_number(&out, "triggers_per_sec")
        })?;
        let _ = writeln!(
            report,
            "| {concurrency} | {rust:.0} | {node:.0} | {py:.0} | {:.2}× | {:.2}× |",
            rust / node,
            rust / py
        );
        summary.push(format!(
            "publisher, {concurrency} in flight: {rust:.0}/s — {:.2}× Node (budget ≥ 1.5×), {:.2}× Python (budget ≥ 5×)",
            rust / node,
            rust / py
        ));
    }

    // The native client.
    let out = Cmd::new(bin("client_inbound"))
        .args([address.as_str(), APP.0, APP.1, APP.2, "20000", "1000"])
        .output()?;
    let inbound = json_number(&out, "events_per_sec")?;
    let per_channel = json_number(&out, "bytes_per_channel")?;
    let _ = writeln!(report, "\n## Native client\n");
    let _ = writeln!(report, "| measure | value |\n|---|---|");
    let _ = writeln!(
        report,
        "| inbound events per second delivered to the application (100-byte payloads) | {inbound:.0} |"
    );
    let _ = writeln!(
        report,
        "| resident memory per subscribed channel (1,000 channels) | {per_channel:.0} bytes |"
    );
    summary.push(format!(
        "native client: {inbound:.0} inbound events/s; {per_channel:.0} bytes per subscribed channel"
    ));

    // The browser client: npm/bench/browser.mjs measures and prints a table and
    // a last JSON line with the ratios; it starts its own server processes.
    tools::ensure_apt(&["chromium"])?;
    dist::build()?;
    let out = Cmd::new("node")
        .args(["bench/browser.mjs"])
        .dir(run::root().join("npm"))
        .env(
            "PUSHER_LITE_SERVER",
            target_dir().join("release/pusher-lite-server"),
        )
        .env("BENCH_RUNS", runs.to_string())
        .output()?;
    let (table, ratios) = out.trim_end().rsplit_once('\n').unwrap_or(("", out.trim()));
    let _ = writeln!(
        report,
        "\n## Browser client: dist/pusher.js vs pusher-js 8.6\n"
    );
    let _ = writeln!(report, "```text\n{}\n```", table.trim());
    let ratio = |key: &str| json_number(ratios, key).map(|v| format!("{v:.2}×"));
    summary.push(format!(
        "browser: gzip size {} pusher.min.js (budget ≤ 1×), {} pusher-with-encryption; inbound {} pusher-js (budget ≥ 1.5×); script tag to connected {} (budget ≤ 1×)",
        ratio("gzip_vs_min")?,
        ratio("gzip_vs_encryption")?,
        ratio("throughput")?,
        ratio("time_to_connected")?,
    ));

    let path = run::root().join("bench/report.md");
    std::fs::write(&path, &report).map_err(|e| format!("writing {}: {e}", path.display()))?;
    println!("\n{report}");
    println!("summary:");
    for line in summary {
        println!("  {line}");
    }
    println!("\nwrote {}", path.display());
    Ok(())
}
