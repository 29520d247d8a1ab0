"""A real class server for the tests: `minichain hub setup`, `minichain hub add` and
`minichain hub start` run as an instructor would run them, on 127.0.0.1 with free ports and a
state folder of the test's own; JupyterHub, configurable-http-proxy, each trainee's Jupyter
server and the course service are real processes. The accounts are real Unix users (the test
needs root) with names no real class uses, removed again at the end."""

from __future__ import annotations

import grp
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from minichain.classroom.accounts import SUDOERS, group_exists

REPO = Path(__file__).resolve().parent.parent.parent
MINICHAIN = Path(sys.executable).with_name("minichain")
PREFIX = "mctest-"  # every account the tests make starts with it
GROUPS = ("minichain-trainees", "minichain-instructors")
HUB_START = 180  # seconds; the hub checks every server it knows of as it starts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def remove_test_accounts() -> None:
    """Every account a test (or a test that crashed) made, and their groups."""
    for account in pwd.getpwall():
        if account.pw_name.startswith(PREFIX):
            subprocess.run(["pkill", "-KILL", "-u", account.pw_name], capture_output=True)
            time.sleep(0.2)
            subprocess.run(["userdel", "--remove", account.pw_name], capture_output=True)
    for group in grp.getgrall():
        if group.gr_name.startswith(PREFIX):
            subprocess.run(["groupdel", group.gr_name], capture_output=True)


def other_members() -> list[str]:
    """Members of the class's Unix groups that are not the tests' (a real class runs here)."""
    members = []
    for group in GROUPS:
        try:
            members += [m for m in grp.getgrnam(group).gr_mem if not m.startswith(PREFIX)]
        except KeyError:
            pass
    return members


@dataclass
class ClassServer:
    state: Path
    log_path: Path
    url: str = ""
    passwords: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        bind = free_port()
        self.url = f"http://127.0.0.1:{bind}"
        self.env = dict(os.environ, MINICHAIN_HUB_STATE=str(self.state),
                        MINICHAIN_HUB_BIND_URL=self.url,
                        MINICHAIN_HUB_HUB_PORT=str(free_port()),
                        MINICHAIN_HUB_PROXY_API_PORT=str(free_port()),
                        MINICHAIN_HUB_SERVICE_PORT=str(free_port()),
                        MINICHAIN_HUB_COURSE_USER=f"{PREFIX}course",
                        MINICHAIN_HUB_KERNEL_USER=f"{PREFIX}grader",
                        MINICHAIN_HUB_IDLE_MINUTES="30")
        self.groups_before = {g for g in GROUPS if group_exists(g)}
        self.checkout_mode = REPO.stat().st_mode  # setup closes the checkout to other users

    def minichain(self, *arguments: str) -> str:
        result = subprocess.run([str(MINICHAIN), *arguments], env=self.env, capture_output=True,
                                text=True, timeout=900)
        assert result.returncode == 0, f"minichain {' '.join(arguments)}:\n{result.stderr}"
        return result.stdout

    def add(self, *names: str, instructor: bool = False) -> None:
        out = self.minichain("hub", "add", *(f"{PREFIX}{n}" for n in names),
                             *(["--instructor"] if instructor else []))
        for line in out.splitlines():
            name, password = line.split("\t")
            self.passwords[name.removeprefix(PREFIX)] = password

    def start(self) -> None:
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen([str(MINICHAIN), "hub", "start"], env=self.env,
                                        stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + HUB_START
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the hub stopped:\n" + self.log())
            try:
                if requests.get(f"{self.url}/hub/health", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the hub did not answer within {HUB_START} s:\n" + self.log())

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-6000:]

    def user(self, name: str) -> str:
        return f"{PREFIX}{name}"

    def home(self, name: str) -> Path:
        return Path(pwd.getpwnam(self.user(name)).pw_dir)

    def stop(self) -> None:
        """The hub and its proxy (SIGTERM, as systemd stops it), then every test account with
        its server, then the groups if the tests made them."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        proxy_pid = self.state / "hub" / "proxy.pid"
        if proxy_pid.exists():
            try:
                os.kill(int(proxy_pid.read_text()), signal.SIGTERM)
            except (ValueError, ProcessLookupError):
                pass
        remove_test_accounts()
        for group in GROUPS:
            if group not in self.groups_before:
                subprocess.run(["groupdel", group], capture_output=True)
        (SUDOERS / f"{PREFIX}course").unlink(missing_ok=True)
        REPO.chmod(self.checkout_mode)


class HubSession:
    """One person signed in to the hub with her password, as her browser would be (cookies and
    the _xsrf token each part of the site sets), for what a test does beside the browser."""

    def __init__(self, server: ClassServer, name: str, password: str | None = None):
        self.server, self.name = server, server.user(name)
        self.http = requests.Session()
        self.http.get(f"{server.url}/hub/login", timeout=30)
        self.reply = self.http.post(
            f"{server.url}/hub/login", timeout=120,
            data={"username": self.name, "password": password or server.passwords[name],
                  "_xsrf": self._xsrf("/hub/")})

    def _xsrf(self, path: str) -> str:
        return next(c.value for c in self.http.cookies
                    if c.name == "_xsrf" and c.path.rstrip("/") == path.rstrip("/"))

    def hub_api(self, method: str, path: str, **arguments) -> requests.Response:
        return self.http.request(method, f"{self.server.url}/hub/api/{path}", timeout=120,
                                 headers={"X-XSRFToken": self._xsrf("/hub/")}, **arguments)

    def my_files(self, method: str, path: str, **arguments) -> requests.Response:
        """Her own server's contents API, as JupyterLab calls it when she saves or deletes."""
        prefix = f"/user/{self.name}/"
        return self.http.request(method, f"{self.server.url}{prefix}api/contents/{path}",
                                 timeout=120, headers={"X-XSRFToken": self._xsrf(prefix)},
                                 **arguments)

    def token(self, *scopes: str) -> requests.Response:
        """A new API token with `scopes`, or with all of hers if none are named."""
        body = {"note": "course", **({"scopes": list(scopes)} if scopes else {})}
        return self.hub_api("POST", f"users/{self.name}/tokens", json=body)
