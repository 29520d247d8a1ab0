"""A trainee's files, read and written through her own Jupyter server's contents API, reached
through the hub's proxy with the course service's token.

Why not a shared folder: nbgrader's exchange directory needs one file system shared by every
trainee's server and breaks with per-user containers (zero-to-jupyterhub-k8s #174, nbgrader
#1885, #1212). Every trainee's server already speaks the Jupyter Server contents REST API
(https://jupyter-server.readthedocs.io/en/latest/developers/rest-api.html), and JupyterHub
lets a token with the scope `access:servers!user=<her>` call it (JupyterHub's "Roles and
scopes"), so files land in her home as her, on one machine or on Kubernetes alike.

Servers that are not running are started through the hub's REST API (`servers`) and waited
for; one that does not come up in time is reported, not waited on forever. The service's own
token never goes to a trainee's server (she controls it: her own server configuration, or a
program of hers on its port, would see it); each trainee's files are reached with a short-lived
token of her own that opens her server only.
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from minichain.language import say

__all__ = ["Hub", "ServerNotRunning", "TraineeFiles", "TraineeFilesError"]

TOKEN_LIFETIME = 600  # seconds a token for one trainee's server lasts
MAX_BYTES = 20_000_000  # a hand-in larger than this is not collected (the grader's own limit)


class TraineeFilesError(Exception):
    """A trainee's server refused or failed a request; the message says which and why."""


class ServerNotRunning(TraineeFilesError):
    """A trainee's server is not running and did not start in time."""


@dataclass
class Hub:
    """The hub's REST API, as the course service sees it: `api_url` is
    JUPYTERHUB_API_URL (…/hub/api), `base_url` the address trainees' servers are proxied under
    (…/user/<name>/), `token` the service's own API token."""

    api_url: str
    base_url: str
    token: str
    start_timeout: float = 120.0

    def _session(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"token {self.token}"
        return session

    def members(self, group: str) -> list[str]:
        """The hub users in `group`, sorted."""
        what = say("the hub's group {group}", group=group)
        reply = _call(self._session(), "GET", f"{self.api_url}/groups/{quote(group)}", what)
        if reply.status_code == 404:
            return []
        _raise_for(reply, what)
        users = _field(reply, "users", list, what)
        if not all(isinstance(user, str) for user in users):
            raise TraineeFilesError(say("{what}: the answer is not a list of names", what=what))
        return sorted(users)

    def server_ready(self, name: str) -> bool:
        what = say("the hub's record of {name}", name=name)
        reply = _call(self._session(), "GET", f"{self.api_url}/users/{quote(name)}", what)
        _raise_for(reply, what)
        servers = _field(reply, "servers", dict, what, default={})
        server = servers.get("")
        return isinstance(server, dict) and server.get("ready") is True

    def ensure_running(self, name: str) -> None:
        """Start `name`'s server if it is not running, and wait until it is ready (a server
        still stopping is waited for, then started)."""
        what = say("starting {name}'s server", name=name)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.server_ready(name):
                return
            reply = _call(self._session(), "POST", f"{self.api_url}/users/{quote(name)}/server",
                          what)
            if reply.status_code not in (201, 202, 400):  # 400: a start or stop is pending
                _raise_for(reply, what)
            time.sleep(0.5)
        raise ServerNotRunning(say("{name}'s server did not start within {seconds:.0f} s",
                                   name=name, seconds=self.start_timeout))

    def files_of(self, name: str) -> TraineeFiles:
        """Her files, through her server, with a token of her own that opens her server only and
        lapses in ten minutes (the service's own token never goes to a server she controls)."""
        what = say("a token for {name}'s server", name=name)
        reply = _call(self._session(), "POST", f"{self.api_url}/users/{quote(name)}/tokens",
                      what, json={"scopes": [f"access:servers!user={name}"],
                                  "expires_in": TOKEN_LIFETIME, "note": "minichain course"})
        _raise_for(reply, what)
        session = requests.Session()
        session.headers["Authorization"] = f"token {_field(reply, 'token', str, what)}"
        return TraineeFiles(f"{self.base_url.rstrip('/')}/user/{quote(name)}/api/contents",
                            name, session)


@dataclass
class TraineeFiles:
    """One trainee's home, as her server's contents API shows it (paths relative to her home)."""

    contents_url: str
    trainee: str
    session: requests.Session

    def _url(self, path: str) -> str:
        return f"{self.contents_url}/{quote(path)}"

    def read_bytes(self, path: str) -> tuple[bytes, str] | None:
        """The file at `path` byte for byte (not parsed, not even as text, so one that cannot be
        read is still collected and the grader says so) and its last-modified time (ISO 8601);
        None if there is no such file."""
        what = say("reading {path} in {name}'s home", path=path, name=self.trainee)
        reply = _call(self.session, "GET", self._url(path), what,
                      params={"content": "1", "type": "file", "format": "base64"})
        if reply.status_code == 404:
            return None
        _raise_for(reply, what)
        content = _field(reply, "content", str, what)
        modified = _field(reply, "last_modified", str, what)
        if len(content) > MAX_BYTES * 4 // 3 + 4:
            raise TraineeFilesError(say("{what}: larger than {mb} MB", what=what,
                                        mb=MAX_BYTES // 1_000_000))
        try:
            # Jupyter Server breaks base64 into lines of 76 characters (base64.encodebytes)
            return base64.b64decode("".join(content.split()), validate=True), modified
        except binascii.Error:
            raise TraineeFilesError(say("{what}: the answer is not base64", what=what)) from None

    def exists(self, path: str) -> bool:
        what = say("looking for {path} in {name}'s home", path=path, name=self.trainee)
        reply = _call(self.session, "GET", self._url(path), what, params={"content": "0"})
        if reply.status_code == 404:
            return False
        _raise_for(reply, what)
        return True

    def make_folder(self, path: str) -> None:
        if not self.exists(path):
            self._put(path, {"type": "directory"})

    def put_notebook(self, path: str, notebook: dict[str, Any]) -> None:
        self._put(path, {"type": "notebook", "format": "json", "content": notebook})

    def put_text(self, path: str, text: str) -> None:
        self._put(path, {"type": "file", "format": "text", "content": text})

    def _put(self, path: str, model: dict[str, Any]) -> None:
        what = say("writing {path} in {name}'s home", path=path, name=self.trainee)
        _raise_for(_call(self.session, "PUT", self._url(path), what, json=model), what)


def _call(session: requests.Session, method: str, url: str, what: str,
          **arguments: Any) -> requests.Response:
    """One request; a connection that fails becomes a TraineeFilesError saying what failed."""
    try:
        return session.request(method, url, timeout=60, **arguments)
    except requests.RequestException as error:
        raise TraineeFilesError(say("{what}: no answer ({error})", what=what,
                                    error=type(error).__name__)) from None


def _field(reply: requests.Response, key: str, kind: type, what: str, **default: Any) -> Any:
    """`key` of the JSON object the server answered, of type `kind`: anything else is a clear
    TraineeFilesError, never a KeyError or TypeError."""
    try:
        answer = reply.json()
    except ValueError:
        answer = None
    if isinstance(answer, dict) and key not in answer and "default" in default:
        return default["default"]
    value = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(value, kind):
        raise TraineeFilesError(say("{what}: the answer has no {key}", what=what, key=key))
    return value


def _raise_for(reply: requests.Response, what: str) -> None:
    if reply.status_code >= 400:
        raise TraineeFilesError(say("{what}: the server answered {status} {reason}",
                                    what=what, status=reply.status_code, reason=reply.reason))
