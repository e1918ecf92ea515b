//! `cargo xtask bench`: measurements side by side with their anchors, in one
//! run on one machine, reported as ratios in `bench/report.md` and on stdout.
//! Nothing is asserted: a budget missed is reported, not failed.
//!
//! Sections: publishers (ours, in Rust and through the Python binding, vs the
//! official Node and Python libraries, against the same server), the native client (vs pusher-js in Node: inbound
//! rate, trigger-to-callback latency; memory per subscribed channel), the
//! browser client (our dist/pusher.js vs pusher-js 8.6 in headless Chromium:
//! bundle size, inbound throughput at three payload sizes, script tag to
//! `connected`, latency) and the server (ours vs Sockudo, built from crates.io
//! into a cache outside the repository: memory per idle connection, fan-out
//! rate, latency under load, CPU per message). Charts go to `bench/charts/`.
//! `--quick` runs each measurement once instead of three times.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::chart::{Chart, Group};
use crate::dist::{self, target_dir};
use crate::run::{self, Cmd};
use crate::{bindings, test, tools};

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

/// Starts Sockudo (the server section's anchor) with the bench's app, alone
/// on 127.0.0.1: local adapter, in-memory cache and queue, no metrics port, no
/// rate limits (ours has none on the HTTP API either).
fn start_sockudo(bin: &std::path::Path) -> Result<ServerProcess, String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port for Sockudo: {e}"))?
        .port();
    let child = Command::new(bin)
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("SOCKUDO_DEFAULT_APP_ID", APP.0)
        .env("SOCKUDO_DEFAULT_APP_KEY", APP.1)
        .env("SOCKUDO_DEFAULT_APP_SECRET", APP.2)
        .env("SOCKUDO_DEFAULT_APP_ENABLED", "true")
        .env("SOCKUDO_DEFAULT_APP_MAX_CONNECTIONS", "100000")
        .env("ADAPTER_DRIVER", "local")
        .env("CACHE_DRIVER", "memory")
        .env("QUEUE_DRIVER", "none")
        .env("APP_MANAGER_DRIVER", "memory")
        .env("METRICS_ENABLED", "false")
        .env("RATE_LIMITER_ENABLED", "false")
        .env("DEBUG", "false")
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start Sockudo ({}): {e}", bin.display()))?;
    let process = ServerProcess { child, port };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if std::time::Instant::now() > deadline {
            return Err(format!(
                "Sockudo did not listen on 127.0.0.1:{port} within 60 s"
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Ok(process)
}

/// Runs `server_load` against a server process (by address and pid); its JSON line.
fn server_load(bin: &std::path::Path, server: ServerProcess) -> Result<String, String> {
    let address = format!("127.0.0.1:{}", server.port);
    let pid = server.child.id().to_string();
    Cmd::new(bin)
        .args([address.as_str(), APP.0, APP.1, APP.2, pid.as_str()])
        .output()
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
    let quick = run::only_flag(args, "bench", "--quick")?;
    let runs = if quick { 1 } else { 3 };
    tools::ensure_npm("tests/compat")?;
    let python = tools::ensure_python_venv("tests/compat/requirements.txt")?;
    // Our Publisher from Python too: the release wheel, in the same venv.
    bindings::build(
        &tools::ensure_python_venv("bindings/python/requirements.txt")?,
        true,
    )?;
    test::python_with_wheel()?;
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
        "| in flight | pusher-lite (Rust) | pusher-lite (Python binding) | official Node `pusher` 5.3.4 | official Python `pusher` 3.3.4 | Rust vs Node | Rust vs Python | binding vs Python |"
    );
    let _ = writeln!(report, "|---|---|---|---|---|---|---|---|");
    let mut summary = Vec::new();
    let mut charts: Vec<(&str, Chart)> = Vec::new();
    let mut publisher_groups = Vec::new();
    for (concurrency, count, python_count) in [(1, 2000, 600), (8, 4000, 800)] {
        let c = concurrency.to_string();
        // Every publisher measure takes TARGET APP_ID KEY SECRET COUNT
        // CONCURRENCY after its program's own arguments and prints the same JSON.
        let rate = |program: &OsStr, own: &[&str], target: &str, count: usize| {
            repeat(runs, || {
                let out = Cmd::new(program)
                    .args(own)
                    .args([target, APP.0, APP.1, APP.2, &count.to_string(), &c])
                    .output()?;
                json_number(&out, "triggers_per_sec")
            })
        };
        let rust = rate(bin("trigger_throughput").as_os_str(), &[], &address, count)?;
        let node = rate(
            "node".as_ref(),
            &["bench/anchors/trigger.mjs"],
            &port,
            count,
        )?;
        let py = rate(
            python.as_os_str(),
            &["bench/python_trigger.py", "pusher"],
            &port,
            python_count,
        )?;
        let binding = rate(
            python.as_os_str(),
            &["bench/python_trigger.py", "pusher_lite"],
            &port,
            count,
        )?;
        let _ = writeln!(
            report,
            "| {concurrency} | {rust:.0} | {binding:.0} | {node:.0} | {py:.0} | {:.2}× | {:.2}× | {:.2}× |",
            rust / node,
            rust / py,
            binding / py
        );
        publisher_groups.push(Group {
            label: format!("{concurrency} in flight"),
            values: vec![rust, binding, node, py],
        });
        summary.push(format!(
            "publisher, {concurrency} in flight: {rust:.0}/s — {:.2}× Node (budget ≥ 1.5×), {:.2}× Python (budget ≥ 5×); through the Python binding {binding:.0}/s = {:.2}× the official Python library",
            rust / node,
            rust / py,
            binding / py
        ));
    }

    // The native client, and pusher-js (Node build) as its anchor.
    let out = Cmd::new(bin("client_inbound"))
        .args([address.as_str(), APP.0, APP.1, APP.2, "20000", "1000"])
        .output()?;
    let inbound = json_number(&out, "events_per_sec")?;
    let per_channel = json_number(&out, "bytes_per_channel")?;
    let (p50, p99) = (json_number(&out, "p50")?, json_number(&out, "p99")?);
    let anchor = Cmd::new("node")
        .args([
            "bench/anchors/subscriber.mjs",
            &port,
            APP.0,
            APP.1,
            APP.2,
            "20000",
        ])
        .output()?;
    let anchor_inbound = json_number(&anchor, "events_per_sec")?;
    let (anchor_p50, anchor_p99) = (json_number(&anchor, "p50")?, json_number(&anchor, "p99")?);
    let _ = writeln!(report, "\n## Native client vs pusher-js 8.6 (Node build)\n");
    let _ = writeln!(
        report,
        "Each client is fed by its own ecosystem's publisher (ours by our Publisher, pusher-js by the official Node library), same server. Ours asks for Lite frame batching, which this server grants; pusher-js does not ask.\n"
    );
    let _ = writeln!(
        report,
        "| measure | pusher-lite Client | pusher-js (Node) | ratio |\n|---|---|---|---|"
    );
    let _ = writeln!(
        report,
        "| inbound events per second delivered to the application (100-byte payloads) | {inbound:.0} | {anchor_inbound:.0} | {:.2}× |",
        inbound / anchor_inbound
    );
    let _ = writeln!(
        report,
        "| latency, HTTP trigger to callback, p50 | {p50:.2} ms | {anchor_p50:.2} ms | {:.2}× |",
        p50 / anchor_p50
    );
    let _ = writeln!(
        report,
        "| latency, HTTP trigger to callback, p99 | {p99:.2} ms | {anchor_p99:.2} ms | {:.2}× |",
        p99 / anchor_p99
    );
    let _ = writeln!(
        report,
        "| resident memory per subscribed channel (1,000 channels) | {per_channel:.0} bytes | — | — |"
    );
    summary.push(format!(
        "native client: {inbound:.0} inbound events/s = {:.2}× pusher-js in Node; p50 latency {p50:.2} ms ({:.2}× pusher-js); {per_channel:.0} bytes per subscribed channel",
        inbound / anchor_inbound,
        p50 / anchor_p50
    ));
    charts.push((
        "native",
        Chart {
            title: "Native client vs pusher-js (Node)".into(),
            unit: "inbound events/s (higher is better); trigger-to-callback latency in ms (lower is better)".into(),
            series: vec!["pusher-lite Client".into(), "pusher-js (Node)".into()],
            groups: vec![
                Group { label: "inbound events/s".into(), values: vec![inbound, anchor_inbound] },
                Group { label: "latency p50 (ms)".into(), values: vec![p50, anchor_p50] },
                Group { label: "latency p99 (ms)".into(), values: vec![p99, anchor_p99] },
            ],
        },
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
        "browser: gzip size {} pusher.min.js (budget ≤ 1×), {} pusher-with-encryption; inbound {} pusher-js at 100 B with Lite frame batching (budget ≥ 1.5×; {} with batching off, a bare WebSocket reaches {}), {} at 1 KB, {} at 8 KB; script tag to connected {} (budget ≤ 1×); latency p50 {}, p99 {}",
        ratio("gzip_vs_min")?,
        ratio("gzip_vs_encryption")?,
        ratio("throughput")?,
        ratio("plain")?,
        ratio("ceiling")?,
        ratio("throughput_1k")?,
        ratio("throughput_8k")?,
        ratio("time_to_connected")?,
        ratio("latency_p50")?,
        ratio("latency_p99")?,
    ));
    let figure = |key: &str| json_number(ratios, key);
    let ours_and_theirs = |name: &str| -> Result<Vec<f64>, String> {
        Ok(vec![
            figure(&format!("ours_{name}"))?,
            figure(&format!("theirs_{name}"))?,
        ])
    };
    let with_ceiling = |name: &str| -> Result<Vec<f64>, String> {
        let mut values = ours_and_theirs(name)?;
        values.push(figure(&format!("plain_{name}"))?);
        values.push(figure(&format!("bare_{name}"))?);
        Ok(values)
    };
    charts.push((
        "browser-size",
        Chart {
            title: "Browser bundle size, gzip -9".into(),
            unit: "bytes (lower is better); ours includes private-encrypted channels".into(),
            series: vec![
                "dist/pusher.js (ours)".into(),
                "pusher.min.js".into(),
                "pusher-with-encryption.min.js".into(),
            ],
            groups: vec![Group {
                label: "gzip -9 bytes".into(),
                values: vec![
                    figure("ours_gzip")?,
                    figure("min_gzip")?,
                    figure("enc_gzip")?,
                ],
            }],
        },
    ));
    charts.push((
        "browser-inbound",
        Chart {
            title: "Browser inbound throughput: ours vs pusher-js 8.6".into(),
            unit:
                "events per second to a JS callback, same Chromium, same server (higher is better)"
                    .into(),
            series: vec![
                "pusher-lite (batching)".into(),
                "pusher-js".into(),
                "pusher-lite, no batching".into(),
                "bare WebSocket (no client)".into(),
            ],
            groups: vec![
                Group {
                    label: "100 B payloads".into(),
                    values: with_ceiling("rate_100")?,
                },
                Group {
                    label: "1 KB payloads".into(),
                    values: with_ceiling("rate_1k")?,
                },
                Group {
                    label: "8 KB payloads".into(),
                    values: with_ceiling("rate_8k")?,
                },
            ],
        },
    ));
    charts.push((
        "browser-latency",
        Chart {
            title: "Browser: time to connected and event latency".into(),
            unit: "milliseconds (lower is better)".into(),
            series: vec!["pusher-lite".into(), "pusher-js".into()],
            groups: vec![
                Group {
                    label: "script tag to connected".into(),
                    values: ours_and_theirs("connect_ms")?,
                },
                Group {
                    label: "trigger to callback p50".into(),
                    values: ours_and_theirs("p50_ms")?,
                },
                Group {
                    label: "trigger to callback p99".into(),
                    values: ours_and_theirs("p99_ms")?,
                },
            ],
        },
    ));
    charts.push((
        "publishers",
        Chart {
            title: "Publishers: triggers per second".into(),
            unit: "same server, same payloads (higher is better)".into(),
            series: vec![
                "pusher-lite (Rust)".into(),
                "pusher-lite (Python binding)".into(),
                "official Node pusher".into(),
                "official Python pusher".into(),
            ],
            groups: publisher_groups,
        },
    ));
    drop(server);

    // The server: ours vs Sockudo, each alone on the machine, same load.
    let ours = server_load(&bin("server_load"), start_server()?)?;
    let sockudo = match tools::ensure_sockudo() {
        Ok(path) => server_load(&bin("server_load"), start_sockudo(&path)?)?,
        Err(e) => return Err(format!("the server section's anchor, Sockudo: {e}")),
    };
    let _ = writeln!(
        report,
        "\n## Server: pusher-lite-server vs Sockudo {}\n",
        tools::SOCKUDO_VERSION
    );
    let _ = writeln!(
        report,
        "Each server alone, release build, on 127.0.0.1, driven by `bench/src/bin/server_load.rs`: 10,000 WebSocket connections each on a public channel \
         (1,000 of them on one channel), then 200 HTTP-API triggers to that channel (200,000 deliveries) while the 9,000 others idle.\n"
    );
    let _ = writeln!(
        report,
        "| measure | pusher-lite-server | Sockudo | ratio |\n|---|---|---|---|"
    );
    let mut server_rows = Vec::new();
    for (label, key, unit) in [
        (
            "resident memory per idle connection at 1,000",
            "1000",
            "bytes",
        ),
        (
            "resident memory per idle connection at 5,000",
            "5000",
            "bytes",
        ),
        (
            "resident memory per idle connection at 10,000",
            "10000",
            "bytes",
        ),
        (
            "fan-out deliveries per second",
            "fanout_deliveries_per_sec",
            "/s",
        ),
        ("latency under fan-out, p50", "p50", "ms"),
        ("latency under fan-out, p99", "p99", "ms"),
        (
            "CPU time per 10,000 delivered messages",
            "cpu_ms_per_10k_messages",
            "ms",
        ),
    ] {
        let (a, b) = (json_number(&ours, key)?, json_number(&sockudo, key)?);
        let _ = writeln!(
            report,
            "| {label} | {a:.1} {unit} | {b:.1} {unit} | {:.2}× |",
            a / b
        );
        server_rows.push((key, a, b));
    }
    let pick = |key: &str| {
        server_rows
            .iter()
            .find(|r| r.0 == key)
            .map_or((f64::NAN, f64::NAN), |r| (r.1, r.2))
    };
    let (mem_a, mem_b) = pick("10000");
    let (fan_a, fan_b) = pick("fanout_deliveries_per_sec");
    let (p99_a, p99_b) = pick("p99");
    let (cpu_a, cpu_b) = pick("cpu_ms_per_10k_messages");
    summary.push(format!(
        "server: {mem_a:.0} B per idle connection at 10k ({:.2}× Sockudo); {fan_a:.0} fan-out deliveries/s ({:.2}×); p99 {p99_a:.1} ms ({:.2}×); {cpu_a:.1} ms CPU per 10k messages ({:.2}×)",
        mem_a / mem_b,
        fan_a / fan_b,
        p99_a / p99_b,
        cpu_a / cpu_b
    ));
    charts.push((
        "server",
        Chart {
            title: format!(
                "Server: pusher-lite-server vs Sockudo {}",
                tools::SOCKUDO_VERSION
            ),
            unit: "lower is better except deliveries/s".into(),
            series: vec!["pusher-lite-server".into(), "Sockudo".into()],
            groups: vec![
                Group {
                    label: "bytes per idle conn (10k)".into(),
                    values: vec![mem_a, mem_b],
                },
                Group {
                    label: "fan-out deliveries/s".into(),
                    values: vec![fan_a, fan_b],
                },
                Group {
                    label: "p99 latency (ms)".into(),
                    values: vec![p99_a, p99_b],
                },
                Group {
                    label: "CPU ms / 10k msgs".into(),
                    values: vec![cpu_a, cpu_b],
                },
            ],
        },
    ));

    let _ = writeln!(report, "\n## Charts\n");
    let chart_dir = run::root().join("bench/charts");
    for (name, chart) in &charts {
        let png = chart.write(&chart_dir, name)?;
        let _ = writeln!(report, "![{}](charts/{png})\n", chart.title);
    }

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
