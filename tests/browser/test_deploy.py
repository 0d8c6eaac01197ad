"""The production set-up of README "Deploy" (issue 17 §3), and Chromium through HTTPS.

Two ways, one set of tests:

- **verbatim** (CI, as root, or ``WELFARE_TEST_DEPLOY_VERBATIM=1``): the README's Deploy commands
  run as they are written, in bash, on this machine (they install into /srv, /etc and take the
  ports 80, 443, 8501 and 5432): only ``<this repository>`` is replaced, by this checkout (its
  last commit: what is not committed is not deployed). A container has no systemd:
  ``systemctl`` and ``systemd-run`` are tests/browser/systemd_shim.py, which starts the units
  from /etc/systemd/system as systemd would (user, settings, command) without its sandbox. The
  dashboard then runs on PostgreSQL through the read-only role, behind nginx on port 443, and
  the tests sign in with the account the README's ``auth.cli add`` made.
- **as shipped** (elsewhere: a developer's machine must not be reconfigured by a test): the
  service's ``ExecStart`` command on the demo SQLite file, Debian's nginx with
  deploy/nginx/welfare.conf in front (only its ports, certificate paths and upstream port
  changed, to free ones and a throwaway certificate).

- The first request after the start is a deep link: its page opens without Streamlit's false
  "Page not found" (the server warms itself up; no browser warm-up here).
- The overview journey works through the proxy (the WebSocket): the 2023 figures, a tap on a
  commune's row.
- Plain HTTP is sent to HTTPS; answers carry HSTS, frame-ancestors and nosniff; Streamlit's XSRF
  protection is on.
- A cold load's bytes with and without compression are measured and written to
  artifacts/deploy-cold-load.json (README "Deploy" reports them).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import trustme

from tests.browser.dashboard import SCREENSHOTS, TABLETS, TIMEZONE, Dashboard
from tests.browser.server import REPO, _stop, free_port, healthy

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Request

pytestmark = pytest.mark.browser

UNIT = REPO / "deploy" / "welfare-dashboard.service"
SITE = REPO / "deploy" / "nginx" / "welfare.conf"
README = REPO / "README.md"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
READY_S = 120.0
BENEFICIARIES = "Đối tượng hưởng trợ cấp xã hội hằng tháng"
MEASURED = SCREENSHOTS.parent / "deploy-cold-load.json"


VERBATIM_ENV = "WELFARE_TEST_DEPLOY_VERBATIM"  # "1": run README "Deploy" on this machine
SHIM = Path(__file__).with_name("systemd_shim.py")
DEPLOY_TIMEOUT_S = 1200.0  # packages, a virtualenv's requirements, the demo in PostgreSQL
ACCOUNT = ("lanhdao", "Deploy-test-2026!")  # what the person types at auth.cli's prompt


@dataclass(frozen=True)
class Deployed:
    https: str  # https://127.0.0.1[:PORT]
    http: str  # http://127.0.0.1[:PORT] (redirects)
    tls: ssl.SSLContext  # trusts the deployment's certificate
    log: Path  # the dashboard's output
    account: tuple[str, str] | None = None  # (user, password) when the app asks to sign in


def verbatim() -> bool:
    """Whether README "Deploy" is run as written here: in CI as root, or when asked."""
    asked = os.environ.get(VERBATIM_ENV, "")
    if asked in ("0", "1"):
        return asked == "1"
    if os.environ.get("CI", "").lower() != "true":
        return False
    if os.geteuid() != 0:
        pytest.fail(
            f"CI runs as root: README Deploy is run verbatim there (or set {VERBATIM_ENV}=0)"
        )
    return True


def service_command(port: int) -> list[str]:
    """ExecStart of the service unit, with this interpreter for the venv's and a free port."""
    line = next(x for x in UNIT.read_text().splitlines() if x.startswith("ExecStart="))
    argv = shlex.split(line.removeprefix("ExecStart="))
    assert argv[0] == "/srv/welfare/.venv/bin/python" and argv[1:5] == [
        "-m",
        "streamlit",
        "run",
        "serve.py",
    ]
    argv[0] = sys.executable
    argv[argv.index("--server.port") + 1] = str(port)
    return argv


def site_config(http_port: int, https_port: int, upstream: int, cert: Path, key: Path) -> str:
    """deploy/nginx/welfare.conf with only its ports, certificate paths and upstream moved."""
    text = SITE.read_text()
    for old, new in (
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("server 127.0.0.1:8501;", f"server 127.0.0.1:{upstream};"),
        ("/etc/ssl/welfare/fullchain.pem", str(cert)),
        ("/etc/ssl/welfare/privkey.pem", str(key)),
    ):
        assert text.count(old) == 1, f"deploy/nginx/welfare.conf no longer holds {old!r}"
        text = text.replace(old, new)
    return text


def main_config(work: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives a site, with this test's own files."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # the workers read the test's files
    temp = "\n".join(
        f"    {name}_temp_path {work / name};" for name in ("client_body", "proxy", "fastcgi")
    )
    return f"""{user}pid {work / "nginx.pid"};
error_log {work / "error.log"};
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {work / "access.log"};
{temp}
    uwsgi_temp_path {work / "uwsgi"};
    scgi_temp_path {work / "scgi"};
    include {site};
}}
"""


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def deployed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    if not Path(NGINX).is_file():
        if os.environ.get("CI"):
            pytest.fail("nginx is required in CI (apt-get install nginx)")
        pytest.skip("nginx is not installed here (apt-get install nginx)")
    work = tmp_path_factory.mktemp("deploy")
    if verbatim():
        yield from deployed_verbatim(work)
        return
    demo_sqlite_path: Path = request.getfixturevalue("demo_sqlite_path")
    ca = trustme.CA()
    certificate = ca.issue_cert("127.0.0.1", "localhost")
    cert, key = work / "fullchain.pem", work / "privkey.pem"
    certificate.cert_chain_pems[0].write_to_path(str(cert))
    certificate.private_key_pem.write_to_path(str(key))
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    site = work / "welfare.conf"
    site.write_text(site_config(http_port, https_port, app_port, cert, key))
    conf = work / "nginx.conf"
    conf.write_text(main_config(work, site))
    env = dict(os.environ)
    env.update(
        WELFARE_DB_URL=f"sqlite:///{demo_sqlite_path}",
        WELFARE_USERS_URL=f"sqlite:///{work / 'users.sqlite'}",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    for name in ("WELFARE_DEMO_USERS", "WELFARE_WRITER_URL"):
        env.pop(name, None)
    log = work / "dashboard.log"
    checked = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    with log.open("wb") as out:
        app = subprocess.Popen(service_command(app_port), cwd=REPO, env=env, stdout=out, stderr=out)
        proxy = subprocess.Popen(
            [NGINX, "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + READY_S
            while not (healthy(f"http://127.0.0.1:{app_port}") and _listening(https_port)):
                if app.poll() is not None or proxy.poll() is not None:
                    raise AssertionError(f"did not start:\n{log.read_text(errors='replace')}")
                assert time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.2)
            # The service warms itself up (ui/warm_up.py): wait for it, as a person arriving
            # a few seconds after a restart does.
            while "warm-up: app.py ran once" not in log.read_text(errors="replace"):
                assert time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.2)
            tls = ssl.create_default_context()
            ca.configure_trust(tls)
            yield Deployed(
                f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", tls, log
            )
        finally:
            proxy.terminate()
            proxy.wait(timeout=10)
            _stop(app)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, SCREENSHOTS.parent / "streamlit-deploy.log")


def readme_deploy_commands() -> str:
    """README "Deploy"'s shell block, ``<this repository>`` made this checkout."""
    section = README.read_text(encoding="utf-8").split("\n## Deploy", 1)[1]
    block = section.split("```bash\n", 1)[1].split("\n```", 1)[0]
    assert block.count("<this repository>") == 1
    return block.replace("<this repository>", shlex.quote(str(REPO)))


def _shim_commands(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("systemctl", "systemd-run"):
        command = folder / name
        command.write_text(f'#!/bin/sh\nexec {sys.executable} {SHIM} {name} "$@"\n')
        command.chmod(0o755)


def _shell(command: str, env: dict[str, str], log: Path, timeout: float = 120) -> None:
    with log.open("ab") as out:
        out.write(f"\n$ {command}\n".encode())
        out.flush()
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            env=env,
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            timeout=timeout,
        )
    assert done.returncode == 0, f"{command!r} failed:\n{log.read_text(errors='replace')[-6000:]}"


# What the Deploy commands make on the machine; removed first, so that a second run starts clean.
LEFT_BEFORE = """
systemctl stop welfare-dashboard nginx
rm -rf /srv/welfare /etc/welfare /etc/ssl/welfare /etc/nginx/sites-enabled/welfare \
    /etc/nginx/sites-available/welfare /etc/systemd/system/welfare-dashboard.service \
    /etc/systemd/system/welfare-briefing.service /etc/systemd/system/welfare-briefing.timer
systemctl start postgresql
runuser -u postgres -- psql -q -c 'DROP DATABASE IF EXISTS welfare'
runuser -u postgres -- psql -q -c 'DROP ROLE IF EXISTS welfare_reader'
runuser -u postgres -- psql -q -c 'DROP ROLE IF EXISTS welfare_writer'
"""


def deployed_verbatim(work: Path) -> Iterator[Deployed]:
    """README "Deploy" run as written (systemd's two commands shimmed), then the ports it
    serves: nginx on 80 and 443, the service on 8501."""
    for tool in ("apt-get", "adduser", "runuser", "pg_lsclusters", "openssl", "git"):
        assert shutil.which(tool), f"README Deploy needs {tool} (a Debian machine)"
    bin_dir, shim_state = work / "bin", work / "systemd"
    _shim_commands(bin_dir)
    terminal = work / "terminal"
    terminal.write_text(f"{ACCOUNT[1]}\n{ACCOUNT[1]}\n")  # the password, then its repetition
    env = dict(os.environ)
    for name in [n for n in env if n.startswith(("WELFARE_", "STREAMLIT_", "PG"))]:
        env.pop(name)
    env.update(
        PATH=f"{bin_dir}:{env.get('PATH', '/usr/sbin:/usr/bin:/sbin:/bin')}",
        WELFARE_SHIM_STATE=str(shim_state),
        WELFARE_SHIM_TERMINAL=str(terminal),
        DEBIAN_FRONTEND="noninteractive",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_ROOT_USER_ACTION="ignore",
    )
    log = work / "deploy.log"
    _shell(LEFT_BEFORE, env, log)
    busy = [p for p in (80, 443, 8501) if _listening(p)]
    assert not busy, f"README Deploy needs the ports {busy}, which something here holds"
    service_log = shim_state / "welfare-dashboard.service.log"
    try:
        _shell(readme_deploy_commands(), env, log, timeout=DEPLOY_TIMEOUT_S)
        deadline = time.monotonic() + READY_S
        while not (healthy("http://127.0.0.1:8501") and _listening(443)):
            assert time.monotonic() < deadline, service_log.read_text(errors="replace")
            time.sleep(0.2)
        while "warm-up: app.py ran once" not in service_log.read_text(errors="replace"):
            assert time.monotonic() < deadline, service_log.read_text(errors="replace")
            time.sleep(0.2)
        tls = ssl.create_default_context(cafile="/etc/ssl/welfare/fullchain.pem")
        tls.check_hostname = False  # the certificate names this host; the tests dial 127.0.0.1
        yield Deployed("https://127.0.0.1", "http://127.0.0.1", tls, service_log, ACCOUNT)
    finally:
        try:
            _shell("systemctl stop welfare-dashboard nginx postgresql", env, log)
        finally:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, SCREENSHOTS.parent / "deploy-commands.log")
            if service_log.is_file():
                shutil.copy(service_log, SCREENSHOTS.parent / "streamlit-deploy.log")


def _signed_in(tab: Dashboard, deployed: Deployed) -> Dashboard:
    """Past the sign-in form, when the deployment has accounts (verbatim: the README's one)."""
    if deployed.account is None:
        return tab
    user, password = deployed.account
    tab.page.get_by_label("Tên đăng nhập").fill(user)
    tab.page.get_by_label("Mật khẩu").fill(password)
    tab.page.get_by_role("button", name="Đăng nhập").click()
    tab.page.get_by_label("Tên đăng nhập").wait_for(state="detached")
    tab.settle()
    return tab


def _tablet(browser: Browser, **extra: object) -> BrowserContext:
    return browser.new_context(
        viewport=TABLETS["landscape-1024x768"],
        has_touch=True,
        is_mobile=True,
        locale="vi-VN",
        timezone_id=TIMEZONE,
        ignore_https_errors=True,  # the test's certificate comes from a throwaway CA
        **extra,  # type: ignore[arg-type]
    )


def test_a_deep_link_first_after_the_start_opens_its_page_through_https(
    chromium: Browser, deployed: Deployed
) -> None:
    context = _tablet(chromium)
    try:
        tab = Dashboard(context.new_page(), deployed.https).open("/chi-tra")
        assert tab.dialogs() == []  # no "Page not found"
        _signed_in(tab, deployed)
        assert tab.dialogs() == []
        assert tab.page.url.startswith(deployed.https + "/chi-tra")
        assert tab.tiles() and not tab.exceptions()
        names = {c["name"] for c in context.cookies()}
        assert "_streamlit_xsrf" in names  # Streamlit's XSRF protection is on
    finally:
        context.close()


def test_the_overview_journey_works_through_the_proxy(
    chromium: Browser, deployed: Deployed
) -> None:
    context = _tablet(chromium)
    try:
        tab = Dashboard(context.new_page(), deployed.https).open("/?tu=2023-01&den=2023-11")
        _signed_in(tab, deployed)
        assert tab.tiles()[BENEFICIARIES] == "1.911 đối tượng"
        tab.tap_table_row("Xã Quảng Tân")  # the tap goes over the WebSocket and back
        tab.wait_for_url_param("xa", "06913")
        assert "Xã Quảng Tân · Tháng 1–11/2023" in tab.in_effect()
        assert not tab.exceptions()
    finally:
        context.close()


def test_the_service_runs_as_its_user_on_the_read_only_role(deployed: Deployed) -> None:
    """Verbatim way only: the dashboard's process is the welfare user's, its database sessions
    the read-only role's, and what holds the accounts and the trail is closed to other users."""
    if deployed.account is None:
        pytest.skip("the units run only the verbatim way (README Deploy on this machine)")
    import pwd  # the verbatim way runs on Debian only (no pwd module on Windows)

    welfare = pwd.getpwnam("welfare")
    pid = int((deployed.log.parent / "welfare-dashboard.service.pid").read_text())
    status = Path(f"/proc/{pid}/status").read_text()
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    assert set(uid_line.split()[1:]) == {str(welfare.pw_uid)}  # real, effective, saved, fs
    sessions = subprocess.run(
        [
            "runuser",
            "-u",
            "postgres",
            "--",
            "psql",
            "-At",
            "-d",
            "postgres",
            "-c",
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = 'welfare'"
            " AND pid <> pg_backend_pid()",
        ],
        capture_output=True,
        text=True,
        cwd="/",
        check=True,
    ).stdout.split()
    assert sessions == ["welfare_reader"]  # the pages' queries, after the sign-ins above
    data = os.stat("/srv/welfare/data")
    assert (data.st_uid, data.st_mode & 0o777) == (welfare.pw_uid, 0o700)
    settings = os.stat("/etc/welfare/env")
    assert (settings.st_uid, settings.st_gid, settings.st_mode & 0o777) == (
        0,
        welfare.pw_gid,
        0o640,
    )


def test_the_audit_purge_unit_runs_as_the_service_user(deployed: Deployed) -> None:
    """The monthly purge's unit, started as its timer would (verbatim way only): as ``welfare``,
    with /etc/welfare/env, on the user store the dashboard writes; it purges nothing younger
    than five years, and the trail still verifies."""
    if deployed.account is None:
        pytest.skip("the units run only the verbatim way (README Deploy on this machine)")
    state = deployed.log.parent
    env = dict(os.environ, PATH=f"{state.parent / 'bin'}:{os.environ['PATH']}")
    env["WELFARE_SHIM_STATE"] = str(state)
    started = subprocess.run(
        ["systemctl", "start", "welfare-audit-purge"], env=env, capture_output=True, text=True
    )
    assert started.returncode == 0, started.stderr
    out = (state / "welfare-audit-purge.service.log").read_text()
    assert "ok: purge deleted 0 entries" in out
    verified = subprocess.run(
        [
            "systemd-run",
            "--wait",
            "--uid=welfare",
            "-p",
            "EnvironmentFile=/etc/welfare/env",
            "-p",
            "WorkingDirectory=/srv/welfare",
            ".venv/bin/python",
            "-m",
            "auth.audit",
            "verify",
        ],
        env=env,
        cwd="/srv/welfare",
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # the account the README made, the sign-ins of the tests before this one, the purge
    entries = re.match(r"(\d+) entries, last hash ", verified.stdout)
    assert entries and int(entries.group(1)) >= 3, verified.stdout


def _get(url: str, tls: ssl.SSLContext, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed: status, headers, body as sent."""
    context = tls

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), NoRedirect)
    request = urllib.request.Request(url, headers=headers)
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, dict(answer.headers.items()), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def test_http_goes_to_https_and_answers_carry_the_security_headers(deployed: Deployed) -> None:
    status, headers, _ = _get(f"{deployed.http}/chi-tra?xa=06913", deployed.tls)
    assert status == 301 and headers["Location"].startswith("https://127.0.0.1")
    assert headers["Location"].endswith("/chi-tra?xa=06913")
    # the one plain-HTTP path: Let's Encrypt's challenge (files only; none here)
    status, headers, _ = _get(f"{deployed.http}/.well-known/acme-challenge/none", deployed.tls)
    assert status == 404 and "Location" not in headers
    status, headers, body = _get(f"{deployed.https}/", deployed.tls)
    assert status == 200 and b"<html" in body.lower()
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_cold_load_is_smaller_with_compression(chromium: Browser, deployed: Deployed) -> None:
    """The bytes a fresh tablet fetches to draw the overview: as the browser received them
    (compressed by nginx), and the same files fetched again compressed and not."""
    context = _tablet(chromium)
    finished: list[Request] = []
    try:
        page = context.new_page()
        page.on("requestfinished", lambda request: finished.append(request))
        _signed_in(Dashboard(page, deployed.https).open("/"), deployed)
        received = sum(
            r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in finished
        )
    finally:
        context.close()
    files = sorted(
        {r.url for r in finished if r.url.startswith(deployed.https) and "/_stcore/" not in r.url}
    )
    assert any(u.endswith(".js") for u in files), files
    compressed = plain = 0
    for url in files:
        _, headers, body = _get(url, deployed.tls, **{"Accept-Encoding": "gzip"})
        compressed += len(body)
        _, raw_headers, raw = _get(url, deployed.tls, **{"Accept-Encoding": "identity"})
        plain += len(raw)
        assert "Content-Encoding" not in raw_headers
        if headers.get("Content-Encoding") == "gzip":
            assert gzip.decompress(body) == raw  # the same file, smaller
    measured = {
        "files": len(files),
        "browser_received_bytes": received,
        "gzip_body_bytes": compressed,
        "identity_body_bytes": plain,
    }
    MEASURED.parent.mkdir(parents=True, exist_ok=True)
    MEASURED.write_text(json.dumps(measured, indent=1))
    print(f"cold load through nginx: {measured}")
    assert compressed < 0.5 * plain
    assert received < 0.6 * plain  # what the tablet actually paid, headers included
