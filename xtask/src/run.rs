//! Running commands: one place that prints what runs, and turns a failure into
//! an error message naming the command.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// A command line, built up and then run.
pub struct Cmd {
    command: Command,
    display: String,
}

impl Cmd {
    /// `program` with no arguments, run from the workspace root.
    pub fn new(program: impl AsRef<std::ffi::OsStr>) -> Self {
        let mut command = Command::new(program.as_ref());
        command.current_dir(root());
        Cmd {
            display: program.as_ref().to_string_lossy().into_owned(),
            command,
        }
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        for arg in args {
            self.display.push(' ');
            self.display.push_str(&arg.as_ref().to_string_lossy());
            self.command.arg(arg);
        }
        self
    }

    /// Runs in `dir` instead of the workspace root.
    pub fn dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Runs with inherited stdio; an error names the command and its status.
    pub fn run(mut self) -> Result<(), String> {
        println!("$ {}", self.display);
        let status = self
            .command
            .status()
            .map_err(|e| format!("could not start `{}`: {e}", self.display))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{}` failed ({status})", self.display))
        }
    }

    /// Runs quietly and returns stdout; an error carries stderr.
    pub fn output(mut self) -> Result<String, String> {
        let out = self
            .command
            .output()
            .map_err(|e| format!("could not start `{}`: {e}", self.display))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "`{}` failed ({}): {}",
                self.display,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }
}

/// Whether `program` can be found on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// A named step of a command.
pub type Step<'a> = (&'a str, &'a dyn Fn() -> Result<(), String>);

/// Runs named steps in order, timing each; stops at the first failure.
pub fn steps(steps: &[Step<'_>]) -> Result<(), String> {
    let start = Instant::now();
    for (name, step) in steps {
        println!("\n==> {name}");
        let t = Instant::now();
        step().map_err(|e| format!("step `{name}` failed: {e}"))?;
        println!("<== {name} ok ({:.1} s)", t.elapsed().as_secs_f64());
    }
    println!(
        "\nall {} steps passed in {:.0} s",
        steps.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The arguments of a command that takes at most one flag: whether `flag` was given.
pub fn only_flag(args: &[String], command: &str, flag: &str) -> Result<bool, String> {
    match args {
        [] => Ok(false),
        [given] if given == flag => Ok(true),
        other => Err(format!(
            "`cargo xtask {command}` takes only {flag} (got {other:?})"
        )),
    }
}
