"""Prefect's temporary API server, started before Prefect is imported.

When no server is configured, Prefect starts a temporary one the first time a flow runs: it imports its
server module in the calling process (about 5 s here) only to launch a subprocess that imports it again
and starts (7–14 s). `scotrack run` instead launches that same subprocess — the same command and
settings as Prefect's own `SubprocessASGIServer` — first thing, points `PREFECT_API_URL` at it, and loads
its worker processes and the model while it starts; the flows then run against it exactly as against
Prefect's own temporary server, which is stopped at the end. Nothing in this module imports Prefect.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from pipeline.errors import ScotrackError


class TemporaryServer:
    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        spec = importlib.util.find_spec("prefect")
        if spec is None or not spec.submodule_search_locations:
            raise ScotrackError("Prefect is not installed")
        app_dir = Path(list(spec.submodule_search_locations)[0]).parent
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{self.port}/api"

    def wait_ready(self, timeout: float | None = None) -> None:
        timeout = timeout or float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") or 180)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = (self.process.stderr.read() if self.process.stderr else "").strip().splitlines()
                raise ScotrackError(f"Prefect's temporary server exited with code {self.process.returncode}"
                                    + (f": {err[-1]}" if err else ""))
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise ScotrackError(f"Prefect's temporary server did not start within {timeout:.0f} s "
                            "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_if_needed() -> TemporaryServer | None:
    """Start the temporary server and point PREFECT_API_URL at it, unless a server is configured (the
    environment or Prefect's profile) or ephemeral servers are switched off. Call before importing Prefect."""
    if os.environ.get("PREFECT_API_URL") or _profile_has_api_url():
        return None
    for key in ("PREFECT_SERVER_EPHEMERAL_ENABLED", "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE"):
        if os.environ.get(key, "").lower() in ("0", "false", "no"):
            return None
    import atexit

    server = TemporaryServer()
    os.environ["PREFECT_API_URL"] = server.url
    # stopped at exit, after Prefect's own exit handlers (registered later, so run earlier) have sent the
    # last logs and events to it
    atexit.register(server.stop)
    return server


def _profile_has_api_url() -> bool:
    """Whether the active Prefect profile (PREFECT_HOME/profiles.toml) sets PREFECT_API_URL."""
    import tomllib

    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    path = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        profiles = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return False
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active", "ephemeral")
    return bool(profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL"))
