"""`minichain hub …` (the server's administrator, as root) and `minichain course …` (the
instructor, from her own terminal on the hub): the class server's commands.

    minichain hub setup                 groups, the course service's and the grader's users,
                                        the state folder with the lessons and exercises
    minichain hub add anna ben …        trainees' accounts; prints each first password
    minichain hub add --instructor li   an instructor's account
    minichain hub start                 JupyterHub with deploy/hub/jupyterhub_config.py
    minichain course release 01
    minichain course collect 01 --deadline 2026-12-11T18:00+08:00
    minichain course grade 01
    minichain course return 01
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import TextIO

from minichain.language import say

__all__ = ["add_commands"]

KIT = Path(__file__).resolve().parent.parent.parent


class CommandFailed(Exception):
    """What to tell the person at the terminal; the command exits with code 1."""


def add_commands(commands: argparse._SubParsersAction) -> None:
    hub = commands.add_parser("hub", help="run a class on one server (JupyterHub; as root)")
    actions = hub.add_subparsers(dest="hub_command", required=True, metavar="ACTION")
    setup = actions.add_parser("setup", help="prepare the server once: groups, the course "
                                             "service's user, the state folder")
    setup.add_argument("--python", default="/usr/bin/python3" if Path("/usr/bin/python3").exists()
                       else sys.executable, help="the Python the class's environment is made "
                                                "from (default: the system's)")
    setup.set_defaults(run=_run(_setup))
    add = actions.add_parser("add", help="make accounts for trainees (or an instructor) and "
                                         "print their first passwords")
    add.add_argument("names", nargs="+", metavar="NAME")
    add.add_argument("--instructor", action="store_true", help="accounts for instructors")
    add.set_defaults(run=_run(_add))
    start = actions.add_parser("start", help="start JupyterHub for the class")
    start.set_defaults(run=_run(_start))

    course = commands.add_parser("course", help="release, collect, grade and return an "
                                                "exercise on the class server")
    course.add_argument("action", choices=["release", "collect", "grade", "return"])
    course.add_argument("exercise", help='the exercise, e.g. "01"')
    course.add_argument("--deadline", help="with collect: hand-ins after it are marked late, "
                                           "e.g. 2026-12-11T18:00+08:00")
    course.add_argument("--hub", default=os.environ.get("MINICHAIN_HUB_URL", ""),
                        help="the hub's address (default: $MINICHAIN_HUB_URL, set on the hub)")
    course.set_defaults(run=_run(_course))


def _run(action):
    def run(args: argparse.Namespace, out: TextIO) -> int:
        try:
            action(args, out)
        except CommandFailed as failure:
            print(f"minichain: {failure}", file=sys.stderr)
            return 1
        return 0
    return run


def _settings():
    try:
        from minichain.classroom.hub_config import ClassSettings
    except ImportError:
        raise CommandFailed(say("the class server needs JupyterHub: install the kit with its "
                                "hub extra (pip install -e '.[hub]')")) from None
    try:
        return ClassSettings.from_environment()
    except ValueError as error:
        raise CommandFailed(str(error)) from None


def _as_root() -> None:
    if os.geteuid() != 0:
        raise CommandFailed(say("run this as root (sudo): it makes Unix accounts"))


def _setup(args: argparse.Namespace, out: TextIO) -> None:
    import grp
    import pwd

    from minichain.classroom.accounts import (
        INSTRUCTORS,
        TRAINEES,
        AccountError,
        make_class_environment,
        make_kernel_users,
        make_service_user,
    )
    from minichain.classroom.class_files import (
        close_checkout,
        publish_exercises,
        publish_lessons,
    )

    _as_root()
    settings = _settings()
    try:
        for group in (TRAINEES, INSTRUCTORS):
            subprocess.run(["groupadd", "-f", group], check=True)
        settings.state.mkdir(parents=True, exist_ok=True)
        settings.state.chmod(0o711)
        make_service_user(settings.course_user, settings.course)
        make_kernel_users(settings.kernel_users, settings.course_user)
        publish_lessons(KIT, settings.lessons)
        publish_exercises(KIT, settings.all_exercises, pwd.getpwnam(settings.course_user).pw_uid,
                          grp.getgrnam(INSTRUCTORS).gr_gid)
        if close_checkout(KIT):
            print(say("{kit} is closed to other users now: it holds the exercises' solutions",
                      kit=KIT), file=out)
        print(say("installing the class's Python environment in {folder} …",
                  folder=settings.state / "venv"), file=out, flush=True)
        make_class_environment(settings.state / "venv", KIT, args.python)
    except (AccountError, OSError, subprocess.CalledProcessError) as error:
        raise CommandFailed(str(error)) from None
    print(say("ready: add people with `minichain hub add`, then `minichain hub start`"),
          file=out)


def _add(args: argparse.Namespace, out: TextIO) -> None:
    from minichain.classroom.accounts import INSTRUCTORS, TRAINEES, AccountError, add_person

    _as_root()
    for name in args.names:
        try:
            password = add_person(name, INSTRUCTORS if args.instructor else TRAINEES)
        except AccountError as error:
            raise CommandFailed(str(error)) from None
        print(f"{name}\t{password}" if password else
              f"{name}\t" + say("(already had an account: her own password)"), file=out)


def _start(args: argparse.Namespace, out: TextIO) -> None:
    _as_root()
    settings = _settings()
    if not (settings.lessons.is_dir() and settings.exercises.is_dir()
            and (settings.bin / "jupyterhub-singleuser").exists()):
        raise CommandFailed(say("{state} is not set up for a class yet: run `minichain hub "
                                "setup` first", state=settings.state))
    jupyterhub = Path(sys.executable).with_name("jupyterhub")
    config = KIT / "deploy" / "hub" / "jupyterhub_config.py"
    os.chdir(settings.state / "hub" if (settings.state / "hub").is_dir() else settings.state)
    sys.stdout.flush()
    os.execv(jupyterhub, [str(jupyterhub), "-f", str(config)])


def _course(args: argparse.Namespace, out: TextIO) -> None:
    token = os.environ.get("JUPYTERHUB_API_TOKEN")
    if not args.hub or not token:
        raise CommandFailed(say("run this in a terminal of your JupyterLab on the class server "
                                "(it has the hub's address and your token)"))
    body = {"exercise": args.exercise}
    if args.deadline:
        body["deadline"] = args.deadline
    request = urllib.request.Request(
        f"{args.hub.rstrip('/')}/services/course/api/{args.action}", method="POST",
        data=json.dumps(body).encode(), headers={"Authorization": f"token {token}",
                                                 "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=3600) as reply:
            answer = json.load(reply)
    except urllib.error.HTTPError as error:
        raise CommandFailed(_reason(error)) from None
    except urllib.error.URLError as error:
        raise CommandFailed(say("the course service did not answer: {error}",
                                error=error.reason)) from None
    except (TimeoutError, OSError, ValueError) as error:
        raise CommandFailed(say("the course service did not answer: {error}",
                                error=type(error).__name__)) from None
    if "grades" in answer:
        print(answer["grades"], file=out, end="")
        return
    for outcome in answer["trainees"]:
        print(f"{outcome['trainee']}\t{outcome['status']}\t{outcome['note']}".rstrip(), file=out)


def _reason(error: urllib.error.HTTPError) -> str:
    try:
        return json.load(error)["error"]
    except (ValueError, KeyError):
        return f"{error.code} {error.reason}"
