"""Runs the real ``pusher-lite-server`` binary on a free loopback port, for
the Python suites (the bindings' tests and examples/django). The binary is
named by ``PUSHER_LITE_SERVER_BIN`` (``cargo xtask test`` sets it); without it
the suites fail rather than skip."""

from __future__ import annotations

import os
import re
import subprocess
import threading
from dataclasses import dataclass, field

APP_ID = "4242"
APP_KEY = "test-key"
APP_SECRET = "test-secret"
ORG = "acme-inc"
ORG_TOKEN = "test-org-token"
MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

START_TIMEOUT = 20.0


@dataclass
class Server:
    """A running server process and where it listens."""

    port: int
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


def start_server() -> Server:
    """Starts the server with the default app and organization."""
    binary = os.environ.get("PUSHER_LITE_SERVER_BIN")
    if not binary:
        raise RuntimeError(
            "PUSHER_LITE_SERVER_BIN is not set: point it at a built pusher-lite-server "
            "(cargo xtask test does)"
        )
    process = subprocess.Popen(
        [
            binary,
            "--host", "127.0.0.1",
            "--port", "0",
            "--app", f"{APP_ID}:{APP_KEY}:{APP_SECRET}",
            "--org", f"{ORG}:{ORG_TOKEN}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PUSHER_LITE_LOG": "warn"},
    )
    found: list[int] = []
    lines: list[str] = []
    ready = threading.Event()

    def read_stdout() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if match and not found:
                found.append(int(match.group(1)))
                ready.set()
        ready.set()

    def read_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)

    threading.Thread(target=read_stdout, daemon=True).start()
    threading.Thread(target=read_stderr, daemon=True).start()
    if not ready.wait(START_TIMEOUT) or not found:
        process.kill()
        process.wait(timeout=10)
        raise RuntimeError("pusher-lite-server did not start:\n" + "".join(lines))
    return Server(port=found[0], process=process, log=lines)
