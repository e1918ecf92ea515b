//! Measurements behind `cargo xtask bench`. Each binary measures one thing
//! against a server that xtask started, and prints one JSON line; xtask runs
//! ours and the anchors (the official libraries) in the same run and reports
//! ratios. Nothing here asserts a speed.

/// Median of a list of measurements.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Resident memory of this process, in bytes.
pub fn rss_bytes() -> u64 {
    rss_bytes_of("self")
}

/// Resident memory of process `pid` (a number, or `self`), in bytes; 0 if unknown.
pub fn rss_bytes_of(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
            })
        })
        .map_or(0, |kib| kib * 1024)
}

/// Wall-clock time in microseconds since the Unix epoch: what a latency probe
/// carries from the process that sends it to the one that receives it (both on
/// this machine, so one clock).
pub fn now_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// p50, p90, p99 and max of a list of measurements, as a JSON object.
pub fn percentiles(mut values: Vec<f64>) -> serde_json::Value {
    values.sort_by(|a, b| a.total_cmp(b));
    let pick = |q: f64| {
        values
            .get(((values.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    serde_json::json!({ "p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99), "max": pick(1.0) })
}
