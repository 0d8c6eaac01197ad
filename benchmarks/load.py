"""Concurrent sessions of the real dashboard server, without a browser per session (issue 18).

    python -m benchmarks.load --sessions 30 [--rounds 2] [--scale 1] [--think 5] [--ramp 0]
                              [--accounts own|sample] [--path FILE [--keep | --no-build]]
                              [--no-summaries] [--out FILE.md]

Builds the demo at ``--scale`` into a SQLite file (``benchmarks.database.build``, a child
process) and refreshes its summary tables, as an operator does after a load; starts the
dashboard as it is deployed (``streamlit run serve.py``, a fresh user store); then drives
``--sessions`` users at once from this one process, each speaking Streamlit's own WebSocket
protocol (``benchmarks/load_protocol.py``): a browser per session on a 2-core machine measures
the browsers, not the server.

Each session opens the dashboard (the sign-in page), signs in through the form as a person does
(argon2 and all), plays the page's cookie handoff (POST ``/api/auth/session``), then visits every
page of its top bar ``--rounds`` times (0: sign in only), pausing ``--think`` seconds (±50%,
seeded) between two views. Accounts: one of its own per session, made before the server starts,
the roles in turn (district, commune head of Quảng Tân, viewer); ``--accounts sample`` shares the
demo's three sample accounts instead (several sign-ins of one account at once). All sessions
start together unless ``--ramp`` spreads their starts over that many seconds; a warm-up view of
the sign-in page is made first (the server's imports), and nothing else is cached beforehand.

Measured: per page, the server time of each view (request sent → ``script_finished`` received,
over the loopback) as p50 / p95 / max, for the first round and the later ones; the sign-in, and
within it the password check (up to the form's ``st.rerun()``); the server process's CPU seconds
per session and per view (/proc/PID/stat); its resident memory sampled every 50 ms and its peak
(VmHWM), with the number of sign-ins in progress at the peak; the argon2 parameters of the stored
hashes; and the errors (an exception element, a "page not found", a refused sign-in, a closed
stream). Prints Markdown; ``--out`` writes it to a file too. Exit code 1 when any error was seen;
the server's log (its tracebacks) is then kept beside ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import argon2
import sqlalchemy as sa
import streamlit

from auth.store import (
    DEMO_USERS,
    DEMO_USERS_ENV,
    ROLE_COMMUNE,
    ROLE_DISTRICT,
    ROLE_VIEWER,
    USERS_ENV,
    UserStore,
    app_user,
)
from charts.formatting import fmt_decimal, fmt_int
from data_access.refresh_summaries import full_refresh

from .database import build
from .load_protocol import Page, PageRun, ProtocolError, StreamlitClient

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_S = 3.0  # issue 18: p95 ≤ 3 s per page with 30 sessions
HEALTH_TIMEOUT_S = 120  # a cold start of Python and Streamlit on a loaded machine
STOP_TIMEOUT_S = 10
SAMPLE_S = 0.05  # memory samples: argon2's 64 MiB lives for ~0,1–0,5 s per sign-in
PAGE_QUERY = {"xa": "xa=06913"}  # the commune view opens on Quảng Tân, as benchmarks.pages does
SAMPLE_ACCOUNTS = tuple((name, password) for name, password, *_ in DEMO_USERS)
ROLE_TURNS = ((ROLE_DISTRICT, None), (ROLE_COMMUNE, "06913"), (ROLE_VIEWER, None))
SIGN_IN_PAGE = "Trang đăng nhập (phiên mới)"
SIGN_IN = "Đăng nhập (gửi form → trang đầu)"
PASSWORD_CHECK = "… trong đó: kiểm tra mật khẩu (gửi form → st.rerun)"
COOKIE = "Cookie phiên (POST /api/auth/session)"
MB = 1024 * 1024


@dataclass
class Options:
    """What to run: the command line's options (see the module docstring)."""

    sessions: int = 30
    rounds: int = 2
    think: float = 5.0
    ramp: float = 0.0
    accounts: tuple[tuple[str, str], ...] = SAMPLE_ACCOUNTS  # (user name, password), in turn
    seed: int = 18


@dataclass
class View:
    """One timed request of one session."""

    session: int
    label: str  # a page's title, or one of the sign-in rows
    path: str  # the page's link
    round: int  # 0: the sign-in steps
    seconds: float
    errors: list[str]


@dataclass
class SessionResult:
    """What one simulated user did and saw."""

    index: int
    user: str
    signed_in: bool = False
    landing: PageRun | None = None  # the page the sign-in ended on
    visited: list[str] = field(default_factory=list)  # links of the pages viewed
    errors: list[str] = field(default_factory=list)


@dataclass
class Sample:
    """The server's memory at one moment, and what the sessions were doing then."""

    at: float
    rss_kb: int
    signing_in: int


@dataclass
class LoadResult:
    """Everything a run measured."""

    options: Options
    views: list[View]
    sessions: list[SessionResult]
    samples: list[Sample]
    cpu_s: float  # server process CPU time during the sessions
    client_cpu_s: float  # this process's, for comparison
    wall_s: float
    baseline_kb: int  # server RSS after the warm-up, before the sessions
    peak_kb: int  # server VmHWM at the end (its peak since start)
    argon2: list[argon2.Parameters]
    max_signing_in: int

    @property
    def errors(self) -> list[str]:
        """Every error of every session."""
        return [e for s in self.sessions for e in s.errors]


@dataclass
class Server:
    """A running ``streamlit run serve.py``."""

    url: str
    pid: int
    users_url: str
    log: Path


# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(url: str) -> bool:
    """Whether the Streamlit server at ``url`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def own_accounts(count: int) -> tuple[tuple[str, str], ...]:
    """One account per session: (user name, password)."""
    return tuple((f"taidongthoi{i:02d}", f"tai-dong-thoi-{i:02d}-2023") for i in range(count))


def add_accounts(work_dir: Path, accounts: tuple[tuple[str, str], ...]) -> None:
    """Create ``accounts`` in the user store ``serve(..., work_dir)`` will use, roles in turn."""
    store = UserStore(users_url_in(work_dir))
    for index, (name, password) in enumerate(accounts):
        role, commune = ROLE_TURNS[index % len(ROLE_TURNS)]
        store.add(name, password, role, f"Tải đồng thời {index:02d}", commune)
    store.engine.dispose()


def accounts_text(accounts: tuple[tuple[str, str], ...]) -> str:
    """The accounts as the report names them."""
    if len(accounts) > 3:
        return f"{fmt_int(len(accounts))} own accounts, roles in turn"
    return ", ".join(name for name, _ in accounts)


def users_url_in(work_dir: Path) -> str:
    """The user store of a run."""
    return f"sqlite:///{work_dir / 'users.sqlite'}"


@contextlib.contextmanager
def serve(db_path: Path, work_dir: Path) -> Iterator[Server]:
    """``streamlit run serve.py`` on ``db_path``; its user store (in ``work_dir``) gets the sample
    accounts on the first view, beside those ``add_accounts`` made."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    users = users_url_in(work_dir)
    env = dict(os.environ)
    env.update(
        {
            "WELFARE_DB_URL": f"sqlite:///{db_path}",
            USERS_ENV: users,
            DEMO_USERS_ENV: "1",
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        }
    )
    command = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port)]
    command += ["--server.headless", "true", "--server.address", "127.0.0.1"]
    command += ["--server.fileWatcherType", "none"]
    log_path = work_dir / "streamlit.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + HEALTH_TIMEOUT_S
            while not healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"streamlit run did not become healthy at {url}:\n"
                        + log_path.read_text(errors="replace")[-4000:]
                    )
                time.sleep(0.2)
            yield Server(url, process.pid, users, log_path)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=STOP_TIMEOUT_S)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def argon2_in_use(users_url: str) -> list[argon2.Parameters]:
    """The parameters of the password hashes in the user store, one entry per distinct set."""
    engine = sa.create_engine(users_url)
    with engine.connect() as conn:
        hashes = conn.execute(sa.select(app_user.c.password_hash)).scalars().all()
    engine.dispose()
    found: list[argon2.Parameters] = []
    for stored in hashes:
        parameters = argon2.extract_parameters(stored)
        if parameters not in found:
            found.append(parameters)
    return found


# --- the sessions --------------------------------------------------------------------------


class Run:
    """The shared state of one run: the views recorded, sign-ins in progress, memory samples."""

    def __init__(self, server: Server, options: Options) -> None:
        self.server = server
        self.options = options
        self.views: list[View] = []
        self.signing_in = 0
        self.max_signing_in = 0
        self.samples: list[Sample] = []
        self.done = asyncio.Event()

    async def sample(self) -> None:
        """Every SAMPLE_S: the server's RSS and how many sign-ins are in progress."""
        started = time.perf_counter()
        while not self.done.is_set():
            rss = memory_kb(self.server.pid).get("VmRSS", 0)
            self.samples.append(Sample(time.perf_counter() - started, rss, self.signing_in))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.done.wait(), SAMPLE_S)

    def record(self, result: SessionResult, label: str, path: str, rnd: int, run: PageRun) -> None:
        errors = [
            f"session {result.index} ({result.user}) {path or label}: {e}" for e in run.errors
        ]
        result.errors.extend(errors)
        self.views.append(View(result.index, label, path, rnd, run.seconds, errors))

    async def session(self, index: int) -> SessionResult:
        """One user: open, sign in, take the cookie, visit every page ``rounds`` times."""
        options = self.options
        user, password = options.accounts[index % len(options.accounts)]
        result = SessionResult(index, user)
        pause = random.Random(options.seed * 1000 + index)
        if options.ramp and options.sessions > 1:
            await asyncio.sleep(options.ramp * index / (options.sessions - 1))
        try:
            async with StreamlitClient(self.server.url) as tab:
                form = await tab.view(page_name="")
                self.record(result, SIGN_IN_PAGE, "/", 0, form)
                self.signing_in += 1
                self.max_signing_in = max(self.max_signing_in, self.signing_in)
                try:
                    landing = await tab.sign_in(form, user, password)
                finally:
                    self.signing_in -= 1
                self.record(result, SIGN_IN, "/", 0, landing)
                if landing.rerun_at is not None:
                    self.views.append(View(index, PASSWORD_CHECK, "/", 0, landing.rerun_at, []))
                result.landing = landing
                if landing.inputs or landing.handoff is None or not landing.navigation:
                    shown = " / ".join(landing.texts[-3:])
                    result.errors.append(
                        f"session {index} ({user}): the sign-in was refused "
                        f"or drew no page ({shown})"
                    )
                    return result
                result.signed_in = True
                seconds = await tab.take_cookie(landing.handoff)
                self.views.append(View(index, COOKIE, "/api/auth/session", 0, seconds, []))
                pages = visible_pages(landing.navigation)
                for rnd in range(1, options.rounds + 1):
                    for page in pages:
                        if options.think:
                            await asyncio.sleep(options.think * pause.uniform(0.5, 1.5))
                        run = await tab.view(page, PAGE_QUERY.get(page.url_path, ""))
                        self.record(result, page.title, "/" + page.url_path, rnd, run)
                        result.visited.append("/" + page.url_path)
        except (ProtocolError, OSError, TimeoutError) as exc:
            result.errors.append(f"session {index} ({user}): {type(exc).__name__}: {exc}")
        return result


def visible_pages(navigation: list[Page]) -> list[Page]:
    """The pages of the top bar, each once, in its order (hidden aliases left out)."""
    seen: set[str] = set()
    pages = []
    for page in navigation:
        if not page.hidden and page.script_hash not in seen:
            seen.add(page.script_hash)
            pages.append(page)
    return pages


async def _drive(server: Server, options: Options) -> LoadResult:
    async with StreamlitClient(server.url) as tab:  # warm-up: the server's imports, not counted
        warm = await tab.view(page_name="")
    if warm.errors:
        raise RuntimeError(f"the warm-up view failed: {warm.errors}")
    run = Run(server, options)
    baseline = memory_kb(server.pid)["VmRSS"]
    cpu_before, client_before = cpu_seconds(server.pid), time.process_time()
    started = time.perf_counter()
    sampler = asyncio.create_task(run.sample())
    try:
        sessions = await asyncio.gather(*(run.session(i) for i in range(options.sessions)))
    finally:
        run.done.set()
        await sampler
    wall = time.perf_counter() - started
    cpu = cpu_seconds(server.pid) - cpu_before
    return LoadResult(
        options=options,
        views=run.views,
        sessions=list(sessions),
        samples=run.samples,
        cpu_s=cpu,
        client_cpu_s=time.process_time() - client_before,
        wall_s=wall,
        baseline_kb=baseline,
        peak_kb=memory_kb(server.pid)["VmHWM"],
        argon2=argon2_in_use(server.users_url),
        max_signing_in=run.max_signing_in,
    )


def drive(server: Server, options: Options) -> LoadResult:
    """Run ``options.sessions`` concurrent sessions against ``server`` and measure them."""
    # In a thread of its own: asyncio.run refuses to start where an event loop already runs in
    # this thread (after Playwright's browser tests in the same pytest process, for one).
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _drive(server, options)).result()


# --- the report ----------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def ms(seconds: float | None) -> str:
    """Milliseconds in Vietnamese format, "–" when there is nothing to show."""
    return "–" if seconds is None else fmt_int(round(seconds * 1000))


def mb(kb: float) -> str:
    """KiB as whole MB (MiB), Vietnamese format."""
    return fmt_int(round(kb / 1024))


def table(result: LoadResult) -> list[str]:
    """Per row (sign-in steps, then each page in the order first visited): views and times."""
    rows: dict[tuple[str, str], list[View]] = {}
    for view in result.views:
        rows.setdefault((view.label, view.path), []).append(view)
    lines = [
        "| page | link | views | p50 | p95 | max | p95 round 1 | p95 rounds 2+ | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    pages = [v for v in result.views if v.round > 0]
    groups = [*rows.items(), (("All pages (after sign-in)", ""), pages)]
    for (label, path), views in groups:
        times = [v.seconds for v in views]
        first = [v.seconds for v in views if v.round <= 1]
        rest = [v.seconds for v in views if v.round > 1]
        cells = [
            label,
            f"`{path}`" if path else "",
            fmt_int(len(views)),
            ms(percentile(times, 0.5)),
            ms(percentile(times, 0.95)),
            ms(max(times) if times else None),
            ms(percentile(first, 0.95)),
            ms(percentile(rest, 0.95)),
            fmt_int(sum(len(v.errors) for v in views)),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def memory_lines(result: LoadResult) -> list[str]:
    """The server's memory: baseline, peak, and whether concurrent sign-ins explain the peak."""
    during = [s.rss_kb for s in result.samples if s.signing_in]
    outside = [s.rss_kb for s in result.samples if not s.signing_in]
    top = max(result.samples, key=lambda s: s.rss_kb, default=None)
    lines = [
        f"- server memory: {mb(result.baseline_kb)} MB after start-up and the warm-up view; "
        f"peak {mb(result.peak_kb)} MB (VmHWM); sampled every {fmt_int(SAMPLE_S * 1000)} ms: "
        f"highest {mb(max(during, default=0))} MB while sign-ins were in progress, "
        f"{mb(max(outside, default=0))} MB while none was"
        + (f"; {fmt_int(top.signing_in)} sign-ins in progress at the highest sample" if top else "")
    ]
    for p in result.argon2:
        each = p.memory_cost / 1024
        lines.append(
            f"- argon2: {p.type.name.lower()} t={p.time_cost}, m={fmt_int(p.memory_cost)} KiB "
            f"({fmt_decimal(each, 0)} MiB per check), p={p.parallelism}; at most "
            f"{fmt_int(result.max_signing_in)} sign-ins in progress at once here, up to "
            f"{fmt_int(result.max_signing_in * each)} MiB of argon2 memory if they overlap"
        )
    return lines


def report(result: LoadResult, heading: str) -> str:
    """The whole report as Markdown: heading, table, measurements, errors, verdict."""
    o = result.options
    pages = [v.seconds for v in result.views if v.round > 0]
    p95 = percentile(pages, 0.95)
    per_view = result.cpu_s / len(pages) if pages else 0.0
    signed = sum(s.signed_in for s in result.sessions)
    lines = [f"**{heading}**", "", *table(result), ""]
    lines.append(
        f"- {fmt_int(o.sessions)} sessions started together"
        + (f" (spread over {fmt_decimal(o.ramp, 1)} s)" if o.ramp else "")
        + f", {fmt_int(signed)} signed in; {fmt_int(o.rounds)} rounds of every page; "
        f"{fmt_decimal(o.think, 1)} s ±50% between two views; "
        f"accounts {accounts_text(o.accounts)}; "
        f"ms from the request to the server's script_finished; run took "
        f"{fmt_decimal(result.wall_s, 1)} s"
    )
    lines.append(
        f"- server CPU: {fmt_decimal(result.cpu_s, 1)} s in all = "
        f"{fmt_decimal(result.cpu_s / max(1, o.sessions), 2)} s per session "
        f"({fmt_int(round(per_view * 1000))} ms per page view, sign-in included); this "
        f"driver used {fmt_decimal(result.client_cpu_s, 1)} s"
    )
    lines.extend(memory_lines(result))
    load = os.getloadavg()
    lines.append(
        f"- machine: {os.cpu_count()} cores, load average {fmt_decimal(load[0], 2)} at the end; "
        f"Streamlit {streamlit.__version__}"
    )
    verdict = "met" if p95 is not None and p95 <= TARGET_P95_S else "missed"
    lines.append(
        f"- goal p95 ≤ {fmt_int(TARGET_P95_S)} s over all page views: {verdict} ({ms(p95)} ms)"
    )
    errors = result.errors
    lines.append(f"- errors: {fmt_int(len(errors))}")
    lines.extend(f"  - {e}" for e in errors[:20])
    if len(errors) > 20:
        lines.append(f"  - … and {fmt_int(len(errors) - 20)} more")
    return "\n".join(lines) + "\n"


# --- the command line ----------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line's options (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30, help="concurrent users")
    parser.add_argument("--rounds", type=int, default=2, help="visits of every page (0: sign-in)")
    parser.add_argument("--scale", type=int, default=1, help="copies of the district (demo: 1)")
    parser.add_argument("--think", type=float, default=5.0, help="seconds between two views")
    parser.add_argument("--ramp", type=float, default=0.0, help="seconds to spread the starts")
    parser.add_argument(
        "--accounts",
        choices=["own", "sample"],
        default="own",
        help="own: one new account per session; sample: lanhdao, quangtan, xem in turn",
    )
    parser.add_argument("--path", type=Path, help="SQLite file to build (or reuse: --no-build)")
    parser.add_argument("--no-build", action="store_true", help="use --path as it is")
    parser.add_argument("--keep", action="store_true", help="keep the --path file afterwards")
    parser.add_argument("--no-summaries", action="store_true", help="do not refresh summaries")
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.rounds < 0 or args.scale < 1:
        parser.error("--sessions and --scale must be at least 1, --rounds at least 0")
    if args.no_build and not (args.path and args.path.is_file()):
        parser.error("--no-build needs --path of an existing database")
    return args


def prepare(args: argparse.Namespace, path: Path) -> str:
    """Build (unless --no-build) and refresh the summaries; a line saying what was served."""
    url = f"sqlite:///{path}"
    described = f"existing database {path}"
    if not args.no_build:
        rows, seconds, _ = build(url, args.scale)
        described = f"SQLite, {fmt_int(rows)} rows"
        print(f"  build: {rows:,} rows in {seconds:.1f} s", file=sys.stderr)
    if not args.no_summaries:
        engine = sa.create_engine(url)
        refreshed = full_refresh(engine)
        engine.dispose()
        described += ", summaries refreshed"
        print(f"  refresh: {refreshed.rows:,} rows in {refreshed.seconds:.1f} s", file=sys.stderr)
    return described


def main(argv: list[str] | None = None) -> int:
    """Command line: build, serve, drive the sessions, print (and write) the report."""
    args = parse_args(argv)
    options = Options(
        sessions=args.sessions,
        rounds=args.rounds,
        think=args.think,
        ramp=args.ramp,
        accounts=SAMPLE_ACCOUNTS if args.accounts == "sample" else own_accounts(args.sessions),
    )
    with tempfile.TemporaryDirectory(prefix="welfare-load-") as tmp:
        work = Path(tmp)
        path = args.path or work / f"load-s{args.scale}.sqlite"
        try:
            described = prepare(args, path)
            print(f"load: {args.sessions} sessions, scale {args.scale}", file=sys.stderr)
            if args.accounts == "own":
                add_accounts(work, options.accounts)
            with serve(path, work) as server:
                result = drive(server, options)
            if result.errors:  # the tracebacks are in the server's log only
                kept = (args.out or Path("benchmarks-load")).with_suffix(".server.log")
                kept.write_bytes(server.log.read_bytes())
                print(f"  errors: the server's log is kept in {kept}", file=sys.stderr)
        finally:
            if args.path and not (args.keep or args.no_build):
                path.unlink(missing_ok=True)
    heading = (
        f"{fmt_int(args.sessions)} concurrent sessions, scale {fmt_int(args.scale)} ({described})"
    )
    text = report(result, heading)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 1 if result.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
