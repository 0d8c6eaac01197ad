"""Run the dashboard with ``streamlit run serve.py`` on a free local port, for browser tests.

``running_dashboard(db_path, work_dir)`` starts the server against a given demo database (and
an empty user store in ``work_dir``, so the demo opens without sign-in), waits for
``/_stcore/health``, yields the base URL, and stops the server on exit. Like
``devtools/pgserver.py`` it does not import pytest: ``tests/browser/measure.py`` reuses it.

Also here: launching Debian's Chromium through Playwright (never ``playwright install``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.load import free_port, healthy  # one way to start and wait for a server

if TYPE_CHECKING:  # imported lazily: a machine without Playwright skips the tests (CI fails)
    from playwright.sync_api import Browser, Playwright

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HEALTH_TIMEOUT_S = 60  # a cold Python start plus Streamlit's import takes ~3 s; CI may be slower
WARMED_UP = "warm-up: app.py ran once"  # the line serve.py logs once its warm-up has run
STOP_TIMEOUT_S = 10  # Streamlit exits within a second of SIGTERM; then we stop waiting


class BrowserUnavailable(RuntimeError):
    """Playwright for Python or Debian's Chromium is not installed here."""


class DashboardStartError(RuntimeError):
    """``streamlit run`` did not become healthy in time; the message holds its log."""


def browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401  (this import is the probe: is it installed?)
    except ImportError as exc:
        return f"Playwright for Python is not installed ({exc})"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, without the network chatter a test does not need."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


@contextlib.contextmanager
def running_dashboard(
    db_path: Path, work_dir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """``streamlit run serve.py`` on the demo database at ``db_path``; yields its base URL.

    The user store is ``work_dir/users.sqlite``: empty unless the caller seeded it before.
    ``extra_env``: more environment for the server (e.g. ``WELFARE_WRITER_URL``).

    :raises DashboardStartError: the server exited or was not healthy within
        ``HEALTH_TIMEOUT_S`` seconds.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        WELFARE_DB_URL=f"sqlite:///{db_path}",
        WELFARE_USERS_URL=f"sqlite:///{work_dir / 'users.sqlite'}",  # empty: no sign-in
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    env.pop("WELFARE_DEMO_USERS", None)
    env.pop("WELFARE_WRITER_URL", None)
    env.update(extra_env or {})
    log_path = work_dir / "streamlit.log"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "serve.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + HEALTH_TIMEOUT_S
            # Healthy, then warmed up by the server itself (serve.py runs app.py once as it
            # starts, ui/warm_up.py): a journey opening a deep link first must not meet
            # Streamlit's false "Page not found", and no browser warm-up hides it if it does.
            while not (healthy(url) and WARMED_UP in log_path.read_text(errors="replace")):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise DashboardStartError(
                        f"streamlit run was not healthy and warmed up at {url} "
                        f"(exit code {process.poll()}):\n{log_path.read_text(errors='replace')}"
                    )
                time.sleep(0.2)
            yield url
        finally:
            _stop(process)


@contextlib.contextmanager
def logged_dashboard(
    db_path: Path, work_dir: Path, log: Path, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """``running_dashboard``, its log copied to ``log`` afterwards (kept for a failed run)."""
    try:
        with running_dashboard(db_path, work_dir, extra_env) as url:
            yield url
    finally:
        copy_log(work_dir, log)


def copy_log(work_dir: Path, target: Path) -> None:
    """Keep the server's log next to the screenshots, for a failed CI run."""
    source = work_dir / "streamlit.log"
    if source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
