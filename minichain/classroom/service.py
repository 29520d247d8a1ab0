"""The course as a JupyterHub service: its own process, its own API token and scopes, so the
hub, not a shared folder, decides who may do what (JupyterHub's "Services" and "Roles and
scopes" documentation, https://jupyterhub.readthedocs.io/en/stable/reference/services.html).

- The service's token reaches the `trainees` group only: it reads the group and its members'
  names and servers, starts a stopped server (`servers`), and makes tokens for them (`tokens`).
  It never sends its own token to a trainee's server, which she controls: for each trainee it
  makes a token *of hers*, good for her own server only (`access:servers!user=<her>`) and for
  ten minutes, so a trainee who captures what reaches her server gains nothing she did not have.
- Only a user with `access:services!service=course` may call it: the `instructors` group's role
  and the hub's admins (hub_config.py). A trainee's request is refused by the hub's own check.

API (token in the `Authorization: token …` header; JSON in, JSON out):

    POST <prefix>api/release   {"exercise": "01"}
    POST <prefix>api/collect   {"exercise": "01", "deadline": "2026-12-11T18:00+08:00"}
    POST <prefix>api/grade     {"exercise": "01"}
    POST <prefix>api/return    {"exercise": "01"}
    GET  <prefix>api/grades/01 the gradebook (grades.csv), as text/csv

and `GET <prefix>` in a browser: the course's status for the instructor (hub login).
One action runs at a time, so a collection is never interleaved with another.

    python -m minichain.classroom.service     (the hub starts it: hub_config.py)
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import urlparse

from jupyterhub.services.auth import (
    HubAuth,
    HubAuthenticated,
    HubOAuthCallbackHandler,
    HubOAuthenticated,
)
from tornado import web
from tornado.httpserver import HTTPServer

from minichain.classroom.course import TRAINEES, Course, CourseError
from minichain.classroom.trainee_files import Hub, TraineeFilesError
from minichain.language import say

__all__ = ["COURSE_SCOPES", "make_app", "main"]

COURSE_SCOPES = [f"{scope}!group={TRAINEES}" for scope in (
    "read:groups", "read:users:name", "read:servers", "servers", "tokens")]
_ONE_AT_A_TIME = ThreadPoolExecutor(max_workers=1)
_LOG = logging.getLogger("minichain.classroom.service")


class _ApiHandler(HubAuthenticated, web.RequestHandler):
    """Token-authenticated JSON actions (no cookies, so no cross-site request can trigger one)."""

    def initialize(self, course: Course) -> None:
        self.course = course

    def check_xsrf_cookie(self) -> None:
        """Only a token in the Authorization header is accepted: nothing for a cross-site form
        to ride on."""

    def write_error(self, status_code: int, **kwargs) -> None:
        self.finish({"error": self._reason})

    def _request(self) -> dict:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(400, reason=say("the request is not JSON")) from None
        if not isinstance(body, dict) or not isinstance(body.get("exercise"), str):
            raise web.HTTPError(400, reason=say('say which exercise: {{"exercise": "01"}}'))
        return body

    async def _run(self, action, *arguments):
        try:
            return await asyncio.get_running_loop().run_in_executor(_ONE_AT_A_TIME, action,
                                                                    *arguments)
        except (CourseError, TraineeFilesError) as error:
            raise web.HTTPError(400, reason=str(error)) from None
        except Exception as error:  # a bug: the instructor still reads what happened
            _LOG.exception("course action failed")
            problem = f"{type(error).__name__}: {error}"
            raise web.HTTPError(500, reason=say("the course service failed ({error}); its log "
                                                "on the hub says more", error=problem)) from None


class ActionHandler(_ApiHandler):
    @web.authenticated
    async def post(self, action: str) -> None:
        body = self._request()
        exercise = body["exercise"]
        if action == "release":
            outcomes = await self._run(self.course.release, exercise)
        elif action == "collect":
            outcomes = await self._run(self.course.collect, exercise,
                                       _deadline(body.get("deadline")))
        elif action == "return":
            outcomes = await self._run(self.course.give_back, exercise)
        else:
            out = await self._run(self.course.grade, exercise)
            self.finish({"gradebook": str(out / "grades.csv"),
                         "grades": (out / "grades.csv").read_text(encoding="utf-8-sig")})
            return
        self.finish({"exercise": self.course.exercise_name(exercise),
                     "trainees": [asdict(o) for o in outcomes]})


class GradesHandler(_ApiHandler):
    @web.authenticated
    async def get(self, exercise: str) -> None:
        try:
            name = self.course.exercise_name(exercise)
        except CourseError as error:
            raise web.HTTPError(404, reason=str(error)) from None
        path = self.course.folder / "graded" / name / "grades.csv"
        if not path.exists():
            raise web.HTTPError(404, reason=say("{name} has not been graded yet", name=name))
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.finish(path.read_bytes())


class StatusPage(HubOAuthenticated, web.RequestHandler):
    """The instructor's view in a browser: each exercise, what was collected and graded."""

    def initialize(self, course: Course) -> None:
        self.course = course

    @web.authenticated
    def get(self) -> None:
        yes, title = say("yes"), say("Course")
        headers = (say("Exercise"), say("Collected"), say("Graded"))
        rows = []
        for notebook in sorted(self.course.exercises.glob("[0-9][0-9]-*.ipynb")):
            collected = self.course.folder / "collected" / notebook.stem
            graded = self.course.folder / "graded" / notebook.stem / "grades.csv"
            count = len(list(collected.glob("*.ipynb"))) if collected.is_dir() else 0
            cells = (notebook.stem, str(count), yes if graded.exists() else "—")
            rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
        head = "".join(f"<th>{escape(h)}</th>" for h in headers)
        self.finish(f"""<!doctype html><meta charset="utf-8"><title>{escape(title)}</title>
<h1>{escape(title)}</h1><table><tr>{head}</tr>{''.join(rows)}</table>""")


def _deadline(text: object) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        raise web.HTTPError(400, reason=say("{text!r} is not a date and time like "
                                            "2026-12-11T18:00+08:00", text=text)) from None
    if moment.tzinfo is None:
        raise web.HTTPError(400, reason=say("say the deadline's time zone, like "
                                            "2026-12-11T18:00+08:00"))
    return moment


def make_app(course: Course, prefix: str) -> web.Application:
    # the API's own tokens-only HubAuth: the status page's HubOAuth is JupyterHub's singleton,
    # and one class cannot hold both (traitlets' MultipleInstanceError)
    _ApiHandler._hub_auth = HubAuth()
    return web.Application([
        (prefix, StatusPage, {"course": course}),
        (prefix + r"oauth_callback", HubOAuthCallbackHandler),
        (prefix + r"api/(release|collect|grade|return)", ActionHandler, {"course": course}),
        (prefix + r"api/grades/([^/]+)", GradesHandler, {"course": course}),
    ], cookie_secret=os.urandom(32))


def course_from_environment() -> Course:
    """The course the hub describes in the service's environment (hub_config.py sets it)."""
    environ = os.environ
    hub = Hub(api_url=environ["JUPYTERHUB_API_URL"], base_url=environ["MINICHAIN_HUB_URL"],
              token=environ["JUPYTERHUB_API_TOKEN"])
    folder = Path(environ["MINICHAIN_COURSE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return Course(folder=folder, exercises=Path(environ["MINICHAIN_COURSE_EXERCISES"]),
                  hub=hub, jobs=int(environ.get("MINICHAIN_COURSE_JOBS", "2")),
                  kernel_users=environ.get("MINICHAIN_COURSE_KERNEL_USERS", ""))


async def serve() -> None:
    os.umask(0o007)  # what it writes in the course folder, the instructors' group may read
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    app = make_app(course_from_environment(), os.environ["JUPYTERHUB_SERVICE_PREFIX"])
    HTTPServer(app).listen(url.port, url.hostname)
    await asyncio.Event().wait()


def main() -> None:
    asyncio.run(serve())


if __name__ == "__main__":
    main()
