"""The class server's JupyterHub configuration (JupyterHub 5–6): one machine, a Unix user per
trainee, PAM sign-in for the members of two Unix groups, JupyterLab with the kit's own Python
as everyone's kernel, the lessons in every new home, limits per trainee, idle servers stopped,
and the course service with its own scoped token.

deploy/hub/jupyterhub_config.py calls `configure(c, ClassSettings.from_environment())`;
`minichain hub start` runs JupyterHub with it. References: JupyterHub's configuration
reference, "Roles and scopes", "Services" (https://jupyterhub.readthedocs.io/), and
jupyterhub-idle-culler's README.
"""

from __future__ import annotations

import grp
import json
import os
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minichain.classroom.accounts import INSTRUCTORS, TRAINEES, copy_lessons
from minichain.classroom.course import TRAINEES as TRAINEES_GROUP
from minichain.classroom.service import COURSE_SCOPES
from minichain.language import say

__all__ = ["ClassSettings", "configure"]

KIT = Path(__file__).resolve().parent.parent.parent  # the kit's checkout (the proxy in deploy/)
INSTRUCTORS_GROUP = "instructors"


@dataclass
class ClassSettings:
    """What an instructor may change, each from an environment variable (in brackets)."""

    state: Path = Path("/srv/minichain")          # the hub's database and the course (…_STATE)
    bind_url: str = "http://:8000"                # where trainees connect (…_BIND_URL)
    hub_port: int = 8081                          # the hub's own API, on 127.0.0.1
    proxy_api_port: int = 8001
    service_port: int = 10101
    language: str = "en"                          # en or zh_CN (…_LANGUAGE)
    memory_mb: int = 2048                         # per trainee (…_MEMORY_MB)
    idle_minutes: int = 60                        # stop a server idle this long (…_IDLE_MINUTES)
    grading_jobs: int = 2                         # notebooks graded at a time (…_GRADING_JOBS)
    course_user: str = "minichain-course"         # the Unix user the course service runs as
    kernel_user: str = "minichain-grader"         # trainees' notebooks are graded as …-1, -2 …
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, environ: os._Environ | dict = os.environ) -> ClassSettings:
        def get(name: str, default: Any) -> Any:
            value = environ.get(f"MINICHAIN_HUB_{name}")
            if value is None:
                return default
            try:
                return type(default)(value)
            except ValueError:
                raise ValueError(say("MINICHAIN_HUB_{name}={value!r} is not a whole number",
                                     name=name, value=value)) from None

        base = cls()
        return cls(state=Path(get("STATE", str(base.state))),
                   bind_url=get("BIND_URL", base.bind_url),
                   hub_port=get("HUB_PORT", base.hub_port),
                   proxy_api_port=get("PROXY_API_PORT", base.proxy_api_port),
                   service_port=get("SERVICE_PORT", base.service_port),
                   language=get("LANGUAGE", base.language),
                   memory_mb=get("MEMORY_MB", base.memory_mb),
                   idle_minutes=get("IDLE_MINUTES", base.idle_minutes),
                   grading_jobs=get("GRADING_JOBS", base.grading_jobs),
                   course_user=get("COURSE_USER", base.course_user),
                   kernel_user=get("KERNEL_USER", base.kernel_user))

    @property
    def public_url(self) -> str:
        host = self.bind_url.split("://", 1)[1].rsplit(":", 1)
        return f"http://{host[0] or '127.0.0.1'}:{host[1].rstrip('/')}"

    @property
    def bin(self) -> Path:
        """The class's own Python environment (`minichain hub setup` makes it where every
        trainee may run it), in which trainees' servers, their kernels and the course service
        run."""
        return self.state / "venv" / "bin"

    @property
    def kernel_users(self) -> list[str]:
        """The Unix users notebooks are graded as: one for each kernel alive at one time, two
        for each notebook graded at a time (one kernel runs, one waits ahead)."""
        return [f"{self.kernel_user}-{n}" for n in range(1, 2 * self.grading_jobs + 1)]

    @property
    def course(self) -> Path:
        """The course folder: the course service's home, the instructors' to share."""
        return self.state / "course"

    @property
    def lessons(self) -> Path:
        """The lessons every new home gets a copy of (class_files: not the kit's checkout)."""
        return self.state / "lessons"

    @property
    def all_exercises(self) -> Path:
        """Both editions' exercises with their sources, in the course folder (class_files)."""
        return self.course / "exercises"

    @property
    def exercises(self) -> Path:
        return self.all_exercises / ("zh_CN" if self.language == "zh_CN" else "")


def _members(unix_group: str) -> list[str]:
    try:
        return list(grp.getgrnam(unix_group).gr_mem)
    except KeyError:
        return []


def configure(c: Any, settings: ClassSettings) -> None:
    """Fill JupyterHub's config object `c` for the class `settings` describes. The state
    folder holds hub/ (the hub's database and secrets, root's only), venv/ (the class's Python),
    course/ (the course service's) and the interface's settings."""
    (settings.state / "hub").mkdir(parents=True, exist_ok=True, mode=0o700)
    _hub(c, settings)
    _sign_in(c)
    _trainee_servers(c, settings)
    _course_service(c, settings)


def _hub(c: Any, settings: ClassSettings) -> None:
    c.JupyterHub.bind_url = settings.bind_url
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = settings.hub_port
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
    proxy = KIT / "deploy" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
    c.ConfigurableHTTPProxy.command = [str(proxy) if proxy.exists() else
                                       "configurable-http-proxy"]
    private = settings.state / "hub"
    c.ConfigurableHTTPProxy.pid_file = str(private / "proxy.pid")
    c.JupyterHub.db_url = f"sqlite:///{private / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(private / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(private / "jupyterhub.pid")
    # the same proxy token across restarts, so a hub restarted while its proxy still runs
    # (trainees' servers keep running too) can talk to it
    c.ConfigurableHTTPProxy.auth_token = _secret(private / "proxy_auth_token")


def _secret(path: Path) -> str:
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def _sign_in(c: Any) -> None:
    """PAM (the Unix password) for the members of the two Unix groups; the class is those
    groups as they are when the hub starts (`minichain hub add`, then `minichain hub start`
    again: trainees' servers keep running across the restart)."""
    c.JupyterHub.authenticator_class = "pam"
    c.PAMAuthenticator.allowed_groups = {TRAINEES, INSTRUCTORS}  # Unix groups
    c.PAMAuthenticator.open_sessions = False
    c.JupyterHub.cleanup_servers = False
    c.JupyterHub.load_groups = {
        TRAINEES_GROUP: {"users": _members(TRAINEES)},
        INSTRUCTORS_GROUP: {"users": _members(INSTRUCTORS)}}
    c.JupyterHub.load_roles = [
        {"name": "course-service", "scopes": COURSE_SCOPES, "services": ["course"]},
        {"name": "course-instructor", "groups": [INSTRUCTORS_GROUP],
         "scopes": ["access:services!service=course", "self"]},
        # the idle culler: see and stop servers, nothing else
        {"name": "idle-culler", "services": ["idle-culler"],
         "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
    ]


def _trainee_servers(c: Any, settings: ClassSettings) -> None:
    c.Spawner.cmd = [shutil.which("prlimit") or "prlimit", f"--as={settings.memory_mb << 20}",
                     "--", "nice", "-n", "5", str(settings.bin / "jupyterhub-singleuser")]
    c.Spawner.default_url = "/lab"
    c.Spawner.notebook_dir = "~"
    c.Spawner.mem_limit = f"{settings.memory_mb}M"  # also shown to JupyterLab's resource use
    c.Spawner.environment = {"MINICHAIN_LANG": settings.language,
                             "MINICHAIN_HUB_URL": settings.public_url,
                             "PATH": f"{settings.bin}:/usr/local/bin:/usr/bin:/bin"}
    if settings.language != "en":
        c.Spawner.args = [f"--LabApp.app_settings_dir={_lab_settings(settings)}"]
    # the instructor's own terminal may call the course service (only instructors hold it)
    c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server",
                                     "access:services!service=course"]
    c.Spawner.pre_spawn_hook = lambda spawner: copy_lessons(spawner.user.name,
                                                            settings.lessons)


def _lab_settings(settings: ClassSettings) -> Path:
    folder = settings.state / f"lab-settings-{settings.language}"
    folder.mkdir(exist_ok=True)
    overrides = {"@jupyterlab/translation-extension:plugin": {"locale": settings.language}}
    (folder / "overrides.json").write_text(json.dumps(overrides), encoding="utf-8")
    folder.chmod(0o755)
    return folder


def _course_service(c: Any, settings: ClassSettings) -> None:
    c.JupyterHub.services = [
        {"name": "course", "url": f"http://127.0.0.1:{settings.service_port}",
         "command": [str(settings.bin / "python"), "-m", "minichain.classroom.service"],
         "user": settings.course_user, "cwd": str(settings.course), "oauth_no_confirm": True,
         "environment": {"MINICHAIN_COURSE_DIR": str(settings.course),
                         "MINICHAIN_COURSE_EXERCISES": str(settings.exercises),
                         "MINICHAIN_COURSE_KERNEL_USERS": ",".join(settings.kernel_users),
                         "MINICHAIN_COURSE_JOBS": str(settings.grading_jobs),
                         "MINICHAIN_HUB_URL": settings.public_url,
                         "MINICHAIN_LANG": settings.language,
                         "PATH": f"{settings.bin}:/usr/bin:/bin"}},
        {"name": "idle-culler",
         "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                     f"--timeout={settings.idle_minutes * 60}"]},
    ]
