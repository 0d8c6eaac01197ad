"""The production set-up of README "Deploy" (issue 17 §3), run as shipped: the dashboard started
by the command of deploy/welfare-dashboard.service, Debian's nginx with deploy/nginx/welfare.conf
in front (only its ports, certificate paths and upstream port changed, to free ones and a
throwaway certificate), and Chromium through HTTPS.

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
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
READY_S = 120.0
BENEFICIARIES = "Đối tượng hưởng trợ cấp xã hội hằng tháng"
MEASURED = SCREENSHOTS.parent / "deploy-cold-load.json"


@dataclass(frozen=True)
class Deployed:
    https: str  # https://127.0.0.1:PORT
    http: str  # http://127.0.0.1:PORT (redirects)
    ca: trustme.CA
    log: Path  # the dashboard's output


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
    demo_sqlite_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    if not Path(NGINX).is_file():
        if os.environ.get("CI"):
            pytest.fail("nginx is required in CI (apt-get install nginx)")
        pytest.skip("nginx is not installed here (apt-get install nginx)")
    work = tmp_path_factory.mktemp("deploy")
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
            yield Deployed(
                f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", ca, log
            )
        finally:
            proxy.terminate()
            proxy.wait(timeout=10)
            _stop(app)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, SCREENSHOTS.parent / "streamlit-deploy.log")


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
        assert tab.tiles()[BENEFICIARIES] == "1.911 đối tượng"
        tab.tap_table_row("Xã Quảng Tân")  # the tap goes over the WebSocket and back
        tab.wait_for_url_param("xa", "06913")
        assert "Xã Quảng Tân · Tháng 1–11/2023" in tab.in_effect()
        assert not tab.exceptions()
    finally:
        context.close()


def _get(url: str, ca: trustme.CA, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed: status, headers, body as sent."""
    context = ssl.create_default_context()
    ca.configure_trust(context)

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
    status, headers, _ = _get(f"{deployed.http}/chi-tra?xa=06913", deployed.ca)
    assert status == 301 and headers["Location"].startswith("https://127.0.0.1")
    assert headers["Location"].endswith("/chi-tra?xa=06913")
    status, headers, body = _get(f"{deployed.https}/", deployed.ca)
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
        Dashboard(page, deployed.https).open("/")
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
        _, headers, body = _get(url, deployed.ca, **{"Accept-Encoding": "gzip"})
        compressed += len(body)
        _, raw_headers, raw = _get(url, deployed.ca, **{"Accept-Encoding": "identity"})
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
