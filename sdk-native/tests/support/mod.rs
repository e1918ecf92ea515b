//! Starts the real reference server as a child process on a free loopback port,
//! with one known app, and stops it when dropped.

#![allow(dead_code)] // each test binary uses a different part

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const APP_ID: &str = "4242";
pub const APP_KEY: &str = "native-test-key";
pub const APP_SECRET: &str = "native-test-secret";
pub const MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The binaries cargo built next to this test (target/<profile>/).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> → target/<profile>
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target dir")
        .to_path_buf()
}

pub fn binary(name: &str) -> PathBuf {
    let path = target_dir().join(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build --workspace --bins` (cargo xtask test does)",
        path.display()
    );
    path
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub struct Server {
    pub port: u16,
    child: Child,
}

impl Server {
    pub fn start() -> Server {
        Server::start_on(free_port())
    }

    pub fn start_on(port: u16) -> Server {
        let child = Command::new(binary("pusher-lite-server"))
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--app", &format!("{APP_ID}:{APP_KEY}:{APP_SECRET}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pusher-lite-server");
        let server = Server { port, child };
        server.wait_until_up();
        server
    }

    fn wait_until_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::{Read, Write};
                let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
                let _ = stream
                    .write_all(b"GET /up HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                let mut reply = String::new();
                let _ = stream.read_to_string(&mut reply);
                if reply.starts_with("HTTP/1.1 200") {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "pusher-lite-server did not come up on port {} within 15 s",
            self.port
        );
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn publisher(&self) -> pusher_lite::Publisher {
        pusher_lite::Publisher::builder()
            .address(&self.address())
            .unwrap()
            .app(APP_ID, APP_KEY, APP_SECRET)
            .encryption_master_key_base64(MASTER_KEY)
            .build()
            .unwrap()
    }

    /// Stops the process (as a crash would: no graceful close).
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
