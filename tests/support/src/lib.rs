//! Runs the real `pusher-lite-server` binary as a child process on a free
//! loopback port, for every suite that needs a server (native SDK, server,
//! examples, benchmarks). The server is killed when the handle is dropped;
//! its log is kept in a temporary file and printed if startup fails.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The default app every server started here has.
pub const APP_ID: &str = "4242";
/// Its key.
pub const APP_KEY: &str = "test-key";
/// Its secret.
pub const APP_SECRET: &str = "test-secret";
/// The default organization.
pub const ORG: &str = "acme-inc";
/// Its secret token.
pub const ORG_TOKEN: &str = "test-org-token";
/// An encryption master key (bytes 0..32).
pub const MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The directory cargo put the workspace binaries in (`target/<profile>`), from
/// a test (`target/<profile>/deps/<test>`) or a binary (`target/<profile>/<bin>`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("executable path");
    let dir = exe.parent().expect("executable directory");
    match dir.file_name() {
        Some(name) if name == "deps" => dir.parent().expect("target dir").to_path_buf(),
        _ => dir.to_path_buf(),
    }
}

/// A workspace binary, which must have been built (`cargo test --workspace
/// --all-targets` builds every binary before running tests).
pub fn binary(name: &str) -> PathBuf {
    let path = target_dir().join(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build --workspace --bins` (cargo xtask test does)",
        path.display()
    );
    path
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Options for a server process.
pub struct ServerBuilder {
    args: Vec<String>,
    config: Option<String>,
    port: Option<u16>,
}

impl ServerBuilder {
    /// Adds a command-line argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Uses this TOML configuration (written to a temporary file).
    pub fn config(mut self, toml: &str) -> Self {
        self.config = Some(toml.to_owned());
        self
    }

    /// Listens on this port instead of a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Starts the process and waits until `/up` answers.
    pub fn start(self) -> Server {
        let port = self.port.unwrap_or_else(free_port);
        let dir =
            std::env::temp_dir().join(format!("pusher-lite-test-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let log_path = dir.join("server.log");
        let log = std::fs::File::create(&log_path).expect("log file");
        let mut command = Command::new(binary("pusher-lite-server"));
        command.args(["--host", "127.0.0.1", "--port", &port.to_string()]);
        if let Some(toml) = &self.config {
            let path = dir.join("config.toml");
            std::fs::write(&path, toml).expect("config file");
            command.arg("--config").arg(path);
        }
        command
            .args(&self.args)
            .env("PUSHER_LITE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log);
        let child = command.spawn().expect("start pusher-lite-server");
        let mut server = Server {
            port,
            child,
            log_path,
        };
        server.wait_until_up();
        server
    }
}

/// A running server process.
pub struct Server {
    /// Its port on 127.0.0.1.
    pub port: u16,
    child: Child,
    log_path: PathBuf,
}

impl Server {
    /// A server with the default app ([`APP_ID`], [`APP_KEY`], [`APP_SECRET`])
    /// in the default organization ([`ORG`], [`ORG_TOKEN`]).
    pub fn start() -> Server {
        Server::builder().start()
    }

    /// The same, on a given port.
    pub fn start_on(port: u16) -> Server {
        Server::builder().port(port).start()
    }

    /// A builder with the default app and organization.
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            args: vec![
                "--app".into(),
                format!("{APP_ID}:{APP_KEY}:{APP_SECRET}"),
                "--org".into(),
                format!("{ORG}:{ORG_TOKEN}"),
            ],
            config: None,
            port: None,
        }
    }

    /// A builder with no apps or organizations (bring a configuration).
    pub fn bare() -> ServerBuilder {
        ServerBuilder {
            args: Vec::new(),
            config: None,
            port: None,
        }
    }

    fn wait_until_up(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "pusher-lite-server exited at start ({status}):\n{}",
                    self.log()
                );
            }
            if self.get("/up").is_some_and(|(status, _)| status == 200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(30));
        }
        panic!(
            "pusher-lite-server did not come up on port {} within 20 s:\n{}",
            self.port,
            self.log()
        );
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// A plain HTTP GET on loopback: status and body.
    pub fn get(&self, path: &str) -> Option<(u16, String)> {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut reply = String::new();
        stream.read_to_string(&mut reply).ok()?;
        let status = reply.split(' ').nth(1)?.parse().ok()?;
        let body = reply
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        Some((status, body))
    }

    /// `127.0.0.1:port`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A publisher for the default app, with the master key and organization.
    pub fn publisher(&self) -> pusher_lite::Publisher {
        pusher_lite::Publisher::builder()
            .address(&self.address())
            .expect("loopback address")
            .app(APP_ID, APP_KEY, APP_SECRET)
            .organization(ORG, ORG_TOKEN)
            .encryption_master_key_base64(MASTER_KEY)
            .build()
            .expect("publisher")
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Asks the server to shut down (SIGTERM) and waits for it to exit.
    pub fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Stops the process as a crash would: no graceful close.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
