//! Installing what the tests need on a fresh machine, from the registries this
//! project can reach (rustup, crates.io, npm, PyPI, Debian apt). Each `ensure_*`
//! is idempotent and cheap when the tool is already there.

use std::path::PathBuf;

use crate::run::{Cmd, on_path, root};

/// The wasm32 target for the browser build.
pub fn ensure_wasm_target() -> Result<(), String> {
    let installed = Cmd::new("rustup")
        .args(["target", "list", "--installed"])
        .output()?;
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    Cmd::new("rustup")
        .args(["target", "add", "wasm32-unknown-unknown"])
        .run()
}

/// wasm-bindgen-cli at exactly the version of the `wasm-bindgen` crate in
/// Cargo.lock (their versions must match). Installed without `--locked`: the
/// CLI's own lockfile pins a crate version the registry may not have.
pub fn ensure_wasm_bindgen() -> Result<PathBuf, String> {
    let pkgid = Cmd::new("cargo")
        .args(["pkgid", "-p", "wasm-bindgen"])
        .output()?;
    let version = pkgid
        .trim()
        .rsplit(['@', '#'])
        .next()
        .filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .ok_or_else(|| format!("cannot read the wasm-bindgen version from {pkgid:?}"))?
        .to_owned();
    let bin = cargo_bin("wasm-bindgen");
    let installed = Cmd::new(&bin)
        .args(["--version"])
        .output()
        .unwrap_or_default();
    if installed.split_whitespace().nth(1) != Some(version.as_str()) {
        Cmd::new("cargo")
            .args(["install", "wasm-bindgen-cli", "--version", &version])
            .run()?;
    }
    Ok(bin)
}

/// `$CARGO_HOME/bin/{name}` (where `cargo install` puts binaries).
fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    home.join("bin").join(name)
}

/// Debian packages, installed with apt when any is missing (one `apt-get update`).
pub fn ensure_apt(packages: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            Cmd::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .map_or(true, |s| !s.contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let sudo = if is_root() { None } else { Some("sudo") };
    let apt = |args: &[&str]| -> Result<(), String> {
        let mut all: Vec<&str> = Vec::new();
        all.extend(sudo);
        all.push("apt-get");
        all.extend(args);
        Cmd::new(all[0])
            .args(&all[1..])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .run()
    };
    apt(&["update", "-q"])?;
    let mut install = vec!["install", "-y", "-q", "--no-install-recommends"];
    install.extend(missing.iter().copied());
    apt(&install)
}

fn is_root() -> bool {
    Cmd::new("id")
        .args(["-u"])
        .output()
        .is_ok_and(|s| s.trim() == "0")
}

/// Installs the npm packages of `dir` (relative to the root) from its lockfile.
/// Returns the directory's `node_modules/.bin`.
pub fn ensure_npm(dir: &str) -> Result<PathBuf, String> {
    if !on_path("npm") {
        return Err(
            "npm is not installed (Node.js and npm are needed for the JavaScript tests)".into(),
        );
    }
    let path = root().join(dir);
    let lock = path.join("package-lock.json");
    let stamp = path.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&stamp)) {
        (Ok(l), Ok(s)) => s.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if !fresh {
        let verb = if lock.exists() { "ci" } else { "install" };
        Cmd::new("npm")
            .args([verb, "--no-audit", "--no-fund", "--loglevel=error"])
            .dir(&path)
            .run()?;
    }
    Ok(path.join("node_modules/.bin"))
}

/// A Python virtualenv at `.tools/venv` with `requirements` installed
/// (a pip requirements file relative to the root). Returns the venv's python.
pub fn ensure_python_venv(requirements: &str) -> Result<PathBuf, String> {
    let venv = root().join(".tools/venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        Cmd::new("python3")
            .args(["-m", "venv"])
            .args([&venv])
            .run()?;
    }
    let req = root().join(requirements);
    let stamp = venv.join(format!(".installed-{}", requirements.replace('/', "_")));
    let fresh = match (std::fs::metadata(&req), std::fs::metadata(&stamp)) {
        (Ok(r), Ok(s)) => s.modified().ok() >= r.modified().ok(),
        _ => false,
    };
    if !fresh {
        Cmd::new(&python)
            .args(["-m", "pip", "install", "-q", "-r"])
            .args([&req])
            .run()?;
        std::fs::write(&stamp, b"").map_err(|e| format!("writing {}: {e}", stamp.display()))?;
    }
    Ok(python)
}

/// The Sockudo release the server benchmark compares with.
pub const SOCKUDO_VERSION: &str = "5.2.0";

/// Sockudo, the bench's anchor server, built from crates.io into a cache
/// outside the repository (`~/.cache/pusher-lite-bench`); none of its code is
/// part of this project. Only the in-memory ("local") features are built. It
/// needs protoc from Debian. The first build takes a while; later runs reuse it.
pub fn ensure_sockudo() -> Result<PathBuf, String> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .ok_or("neither XDG_CACHE_HOME nor HOME is set: nowhere to build Sockudo")?
        .join("pusher-lite-bench");
    let bin = cache.join("sockudo/bin/sockudo");
    if bin.is_file() {
        return Ok(bin);
    }
    ensure_apt(&["protobuf-compiler", "libprotobuf-dev"])?;
    println!(
        "building Sockudo {SOCKUDO_VERSION} from crates.io into {} (once)",
        cache.display()
    );
    Cmd::new("cargo")
        .args(["install", "sockudo", "--version", SOCKUDO_VERSION])
        .args(["--no-default-features", "--features", "local", "--root"])
        .args([
            cache.join("sockudo"),
            PathBuf::from("--target-dir"),
            cache.join("sockudo-target"),
        ])
        .run()?;
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "cargo install sockudo did not produce {}",
            bin.display()
        ))
    }
}

/// Installs the npm packages locked in `dir` (relative to the root) into
/// `.tools/<name>`, outside the source tree (for tools, not test code).
/// Returns that directory's `node_modules`.
pub fn ensure_npm_tool(dir: &str, name: &str) -> Result<PathBuf, String> {
    if !on_path("npm") {
        return Err(format!(
            "npm is not installed (it brings {name} for the tests)"
        ));
    }
    let source = root().join(dir);
    let install = root().join(".tools").join(name);
    std::fs::create_dir_all(&install).map_err(|e| format!("{}: {e}", install.display()))?;
    let lock = source.join("package-lock.json");
    let stamp = install.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&stamp)) {
        (Ok(l), Ok(s)) => s.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if !fresh {
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(source.join(file), install.join(file))
                .map_err(|e| format!("copying {dir}/{file}: {e}"))?;
        }
        Cmd::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .dir(&install)
            .run()?;
    }
    Ok(install.join("node_modules"))
}
