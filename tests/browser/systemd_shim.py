"""``systemctl`` and ``systemd-run`` for a machine without systemd (a CI container), so that
README "Deploy" can be run verbatim by ``tests/browser/test_deploy.py``.

Only what the README's commands ask is done, and done as systemd would as far as a plain process
can: a service is started from its unit file in /etc/systemd/system (its ``User``, ``Group``,
``WorkingDirectory``, ``EnvironmentFile``, ``UMask`` and ``ExecStart``; HOME, USER and PATH as
systemd sets them; output to a log, as the journal keeps it); ``postgresql`` starts Debian's
clusters marked ``auto`` (what its ``postgresql@`` units do); ``reload nginx`` reloads it, or
starts it when no init started it after the package was installed. Not emulated: the sandboxing
directives (``ProtectSystem``, ``PrivateTmp``, …), ``Restart=``, and timers (a timer is checked
and recorded as enabled, never fired).

    python systemd_shim.py systemctl daemon-reload | enable --now UNIT... | reload UNIT...
                                     | stop UNIT... | is-active UNIT
    python systemd_shim.py systemd-run [--pty] [--wait] [--collect] [--uid=USER] [--gid=GROUP]
                                       [-p NAME=VALUE]... COMMAND...

State (pid files, logs) lives in ``$WELFARE_SHIM_STATE``. ``--pty`` reads the terminal's lines
from ``$WELFARE_SHIM_TERMINAL`` (a file) when it is set: what a person would type.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

UNITS = Path("/etc/systemd/system")
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
NGINX_PID = Path("/run/nginx.pid")


def state() -> Path:
    folder = Path(os.environ.get("WELFARE_SHIM_STATE", "/run/welfare-systemd-shim"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def say(line: str) -> None:
    print(f"[systemd shim] {line}", file=sys.stderr)


def read_unit(path: Path) -> dict[str, dict[str, str]]:
    """Sections of a unit file: {section: {key: last value}} (comments and blanks skipped)."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current[key.strip()] = value.strip()
    return sections


def environment_file(path: str) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (quotes removed)."""
    optional = path.startswith("-")
    file = Path(path.removeprefix("-"))
    if not file.is_file():
        if optional:
            return {}
        raise SystemExit(f"EnvironmentFile {file} is missing")
    found = {}
    for raw in file.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        words = shlex.split(value) if value else [""]
        found[key.strip()] = " ".join(words)
    return found


def user_environment(user: str | None, extra: dict[str, str]) -> dict[str, str]:
    """The environment systemd gives a service of ``user`` (not the caller's)."""
    env = {"PATH": SYSTEM_PATH, "LANG": os.environ.get("LANG", "C.UTF-8")}
    entry = pwd.getpwnam(user) if user else pwd.getpwuid(os.getuid())
    env.update(HOME=entry.pw_dir, USER=entry.pw_name, LOGNAME=entry.pw_name, SHELL=entry.pw_shell)
    env.update(extra)
    return env


def as_user(user: str | None, group: str | None, cwd: str, env: dict[str, str]) -> dict[str, Any]:
    """What a process of ``user`` started by systemd gets: its directory, environment, user and
    group, and no supplementary groups (``subprocess`` arguments)."""
    return {
        "cwd": cwd,
        "env": user_environment(user, env),
        "user": user,
        "group": group,
        "extra_groups": [] if user else None,
    }


def executable(word: str, cwd: str) -> str:
    """A command as systemd-run resolves it: a path with a slash from the caller's directory,
    a bare name from PATH."""
    if "/" in word:
        return os.path.abspath(os.path.join(cwd, word))  # not resolved: a venv's python is a link
    return shutil.which(word) or word


def alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return False
    return True


def start_service(name: str) -> int:
    """Start a unit's ``ExecStart``: in the background, or for ``Type=oneshot`` to its end (as
    ``systemctl start`` waits for a oneshot), its exit status returned."""
    unit = read_unit(UNITS / name)
    service = unit.get("Service", {})
    env: dict[str, str] = {}
    if "EnvironmentFile" in service:
        env.update(environment_file(service["EnvironmentFile"]))
    user, group = service.get("User"), service.get("Group")
    cwd = service.get("WorkingDirectory", "/")
    argv = shlex.split(service["ExecStart"])
    log = state() / f"{name}.log"
    pid_file = state() / f"{name}.pid"
    if alive(pid_file):
        return 0
    oneshot = service.get("Type") == "oneshot"
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv,
            **as_user(user, group, cwd, env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
            umask=int(service.get("UMask", "0022"), 8),
        )
    if oneshot:
        status = process.wait()
        say(f"ran {name} (user {user or 'root'}; exit {status}; log {log})")
        return status
    pid_file.write_text(str(process.pid))
    say(f"started {name} (pid {process.pid}, user {user or 'root'}; log {log})")
    return 0


def postgres_clusters(action: str) -> None:
    """Debian's clusters: start those marked ``auto``, stop those running."""
    listed = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    )
    for line in listed.stdout.splitlines():
        version, cluster, _port, status = line.split()[:4]
        start_conf = Path(f"/etc/postgresql/{version}/{cluster}/start.conf")
        settings = start_conf.read_text().splitlines() if start_conf.is_file() else ["auto"]
        words = [s.split("#")[0].strip() for s in settings]
        auto = [w for w in words if w][:1] == ["auto"]
        if action == "start" and status == "down" and auto:
            subprocess.run(["pg_ctlcluster", version, cluster, "start"], check=True)
            say(f"started PostgreSQL {version}/{cluster}")
        elif action == "stop" and status == "online":
            subprocess.run(["pg_ctlcluster", version, cluster, "stop"], check=True)


def nginx(action: str) -> None:
    running = alive(NGINX_PID)
    if action == "stop":
        if running:
            subprocess.run(["nginx", "-s", "quit"], check=True)
            for _ in range(100):
                if not alive(NGINX_PID):
                    break
                time.sleep(0.1)
        return
    if running:
        subprocess.run(["nginx", "-s", "reload"], check=True)
        return
    # No init started nginx after its package was installed: start it as it would have.
    subprocess.run(["nginx"], check=True)
    say("started nginx")


def unit_name(word: str) -> str:
    return word if "." in word else f"{word}.service"


def start(word: str) -> int:
    name = unit_name(word)
    if name == "postgresql.service":
        postgres_clusters("start")
    elif name == "nginx.service":
        nginx("start")
    elif name.endswith(".timer"):
        timer = read_unit(UNITS / name)
        assert timer.get("Timer", {}).get("OnCalendar"), f"{name} has no OnCalendar"
        service = UNITS / (name.removesuffix(".timer") + ".service")
        assert "ExecStart" in read_unit(service).get("Service", {}), f"{service} has no ExecStart"
        (state() / f"{name}.enabled").write_text(timer["Timer"]["OnCalendar"])
        say(f"{name} enabled (never fired here)")
    else:
        return start_service(name)
    return 0


def stop(word: str) -> None:
    name = unit_name(word)
    if name == "postgresql.service":
        postgres_clusters("stop")
        return
    if name == "nginx.service":
        nginx("stop")
        return
    pid_file = state() / f"{name}.pid"
    if not alive(pid_file):
        return
    pid = int(pid_file.read_text())
    os.killpg(pid, signal.SIGTERM)
    for _ in range(100):
        if not alive(pid_file):
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    pid_file.unlink()


def systemctl(args: list[str]) -> int:
    if not args:
        raise SystemExit("systemctl: no command")
    command, rest = args[0], args[1:]
    if command == "daemon-reload":
        return 0
    if command == "enable":
        now = "--now" in rest
        for word in (w for w in rest if not w.startswith("-")):
            assert (UNITS / unit_name(word)).is_file() or unit_name(word) in (
                "postgresql.service",
                "nginx.service",
            ), f"systemctl enable: no unit {word}"
            if now:
                start(word)
        return 0
    if command in ("start", "reload", "restart"):
        failed = 0
        for word in rest:
            if command == "restart":
                stop(word)
            if command == "reload" and unit_name(word) == "nginx.service":
                nginx("reload")
            else:
                failed = start(word) or failed
        return 1 if failed else 0
    if command == "stop":
        for word in rest:
            stop(word)
        return 0
    if command == "is-active":
        return 0 if alive(state() / f"{unit_name(rest[0])}.pid") else 3
    raise SystemExit(f"systemctl {command}: not emulated")


def systemd_run(args: list[str]) -> int:
    user = group = None
    properties: dict[str, str] = {}
    pty = False
    words = list(args)
    while words and words[0].startswith("-"):
        word = words.pop(0)
        if word == "--pty":
            pty = True
        elif word in ("--wait", "--collect", "--quiet", "-q"):
            pass
        elif word.startswith("--uid="):
            user = word.removeprefix("--uid=")
        elif word.startswith("--gid="):
            group = word.removeprefix("--gid=")
        elif word in ("-p", "--property"):
            key, _, value = words.pop(0).partition("=")
            properties[key] = value
        elif word.startswith("--property="):
            key, _, value = word.removeprefix("--property=").partition("=")
            properties[key] = value
        else:
            raise SystemExit(f"systemd-run {word}: not emulated")
    env: dict[str, str] = {}
    if "EnvironmentFile" in properties:
        env.update(environment_file(properties["EnvironmentFile"]))
    cwd = properties.get("WorkingDirectory", "/")
    argv = [executable(words[0], os.getcwd()), *words[1:]]
    if group is None and user is not None:
        group = user
    terminal = os.environ.get("WELFARE_SHIM_TERMINAL")
    stdin = open(terminal, "rb") if pty and terminal else None  # noqa: SIM115 (closed below)
    try:
        return subprocess.run(argv, **as_user(user, group, cwd, env), stdin=stdin).returncode
    finally:
        if stdin is not None:
            stdin.close()


def main(argv: list[str]) -> int:
    name, args = argv[0], argv[1:]
    if name == "systemctl":
        return systemctl(args)
    if name == "systemd-run":
        return systemd_run(args)
    raise SystemExit(f"unknown command {name}")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
