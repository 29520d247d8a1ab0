"""A trainee's files, read and written through her own Jupyter server's contents API, reached
through the hub's proxy with the course service's token.

Why not a shared folder: nbgrader's exchange directory needs one file system shared by every
trainee's server and breaks with per-user containers (zero-to-jupyterhub-k8s #174, nbgrader
#1885, #1212). Every trainee's server already speaks the Jupyter Server contents REST API
(https://jupyter-server.readthedocs.io/en/latest/developers/rest-api.html), and JupyterHub
lets a service with the `access:servers` scope call it (JupyterHub's "Roles and scopes"), so
files land in her home as her, on one machine or on Kubernetes alike.

Servers that are not running are started through the hub's REST API (`admin:servers`) and
waited for; one that does not come up in time is reported, not waited on forever.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from minichain.language import say

__all__ = ["Hub", "ServerNotRunning", "TraineeFiles", "TraineeFilesError"]


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
        return sorted(reply.json()["users"])

    def server_ready(self, name: str) -> bool:
        what = say("the hub's record of {name}", name=name)
        reply = _call(self._session(), "GET", f"{self.api_url}/users/{quote(name)}", what)
        _raise_for(reply, what)
        server = (reply.json().get("servers") or {}).get("")
        return bool(server and server.get("ready"))

    def ensure_running(self, name: str) -> None:
        """Start `name`'s server if it is not running, and wait until it is ready."""
        if self.server_ready(name):
            return
        what = say("starting {name}'s server", name=name)
        reply = _call(self._session(), "POST", f"{self.api_url}/users/{quote(name)}/server", what)
        if reply.status_code not in (201, 202, 400):  # 400: already starting
            _raise_for(reply, what)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.server_ready(name):
                return
            time.sleep(0.5)
        raise ServerNotRunning(say("{name}'s server did not start within {seconds:.0f} s",
                                   name=name, seconds=self.start_timeout))

    def files_of(self, name: str) -> TraineeFiles:
        return TraineeFiles(f"{self.base_url.rstrip('/')}/user/{quote(name)}/api/contents",
                            name, self._session())


@dataclass
class TraineeFiles:
    """One trainee's home, as her server's contents API shows it (paths relative to her home)."""

    contents_url: str
    trainee: str
    session: requests.Session

    def _url(self, path: str) -> str:
        return f"{self.contents_url}/{quote(path)}"

    def read_text(self, path: str) -> tuple[str, str] | None:
        """The file at `path` exactly as it is on disk (a notebook is not parsed, so one that
        cannot be read is still collected and the grader says so) and its last-modified time
        (ISO 8601, UTC); None if there is no such file."""
        what = say("reading {path} in {name}'s home", path=path, name=self.trainee)
        reply = _call(self.session, "GET", self._url(path), what,
                      params={"content": "1", "type": "file", "format": "text"})
        if reply.status_code == 404:
            return None
        _raise_for(reply, what)
        model = reply.json()
        return model["content"], model["last_modified"]

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


def _raise_for(reply: requests.Response, what: str) -> None:
    if reply.status_code >= 400:
        raise TraineeFilesError(say("{what}: the server answered {status} {reason}",
                                    what=what, status=reply.status_code, reason=reply.reason))
