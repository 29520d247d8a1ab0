"""Trainees' and instructors' Unix accounts on the class server, and what a new home holds.

Each trainee is a Unix user of her own, with a home only she can open (mode 0700), and her
Jupyter server runs as her (JupyterHub's LocalProcessSpawner switches to her user id): one
trainee cannot read another's files because the operating system says no — a real boundary,
unlike the grader's in-kernel guard. The hub signs people in with PAM (their Unix password) and
lets in only the members of two Unix groups (hub_config.py). The accounts are made with the
system's own tools (useradd, chpasswd, gpasswd; shadow-utils), never by editing /etc files.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import secrets
import shutil
import subprocess
from pathlib import Path

from minichain.grading.kernel_user import ENV
from minichain.language import say

__all__ = ["AccountError", "INSTRUCTORS", "SUDOERS", "TRAINEES", "add_person", "copy_lessons",
           "group_exists", "make_class_environment", "make_kernel_users", "make_service_user",
           "new_password"]

TRAINEES, INSTRUCTORS = "minichain-trainees", "minichain-instructors"
ADMIN_GROUPS = ("sudo", "wheel", "admin", "root")
SUDOERS = Path("/etc/sudoers.d")
_NAME = re.compile(r"[a-z][a-z0-9-]{0,30}")
_PASSWORD_LETTERS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I


class AccountError(Exception):
    """An account could not be made; the message says why."""


def new_password(length: int = 12) -> str:
    """A first password to hand a trainee on paper: random, without look-alike characters."""
    return "".join(secrets.choice(_PASSWORD_LETTERS) for _ in range(length))


def add_person(name: str, group: str = TRAINEES, password: str | None = None) -> str | None:
    """Make `name` a Unix user in `group` with a private home; returns her first password, or
    None if she already had an account (it joins the group; her password is left alone)."""
    if not _NAME.fullmatch(name):
        raise AccountError(say("{name!r} cannot be a user name: use lower-case letters, digits "
                               "and '-', starting with a letter, at most 31 characters",
                               name=name))
    _run(["groupadd", "-f", group])
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        pass
    else:
        _refuse_if_privileged(account)
        _run(["gpasswd", "--add", name, group])
        return None
    password = password or new_password()
    _run(["useradd", "--create-home", "--shell", "/bin/bash", "--groups", group, name])
    _run(["chpasswd"], stdin=f"{name}:{password}\n")
    Path(pwd.getpwnam(name).pw_dir).chmod(0o700)
    return password


def _refuse_if_privileged(account: pwd.struct_passwd) -> None:
    """An existing account joins a class only if it is a person's ordinary one: never a system
    account (its Jupyter server would run as, say, www-data) nor an administrator's."""
    if account.pw_uid < _first_person_uid():
        raise AccountError(say("{name} is a system account, not a person's: it cannot join a "
                               "class", name=account.pw_name))
    admins = {m for g in ADMIN_GROUPS if group_exists(g) for m in grp.getgrnam(g).gr_mem}
    if account.pw_name in admins:
        raise AccountError(say("{name} may act as root (sudo): make a separate account for "
                               "the class", name=account.pw_name))


def _first_person_uid() -> int:
    """UID_MIN from /etc/login.defs: the first user id given to a person (1000 by default)."""
    try:
        for line in Path("/etc/login.defs").read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "UID_MIN" and parts[1].isdigit():
                return int(parts[1])
    except OSError:
        pass
    return 1000


def group_exists(name: str) -> bool:
    """Whether the Unix group `name` exists."""
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def copy_lessons(name: str, lessons: Path) -> None:
    """Put the lessons into `name`'s home if nothing called `lessons` is there yet (her copy is
    never overwritten). The copy runs as her, not as root: her home is hers to arrange, and root
    following a link she left there could hand her any folder on the machine."""
    account = pwd.getpwnam(name)
    target = Path(account.pw_dir) / "lessons"
    if os.path.lexists(target):
        return
    result = subprocess.run(
        ["cp", "--recursive", "--no-dereference", "--no-target-directory", str(lessons),
         str(target)], user=account.pw_uid, group=account.pw_gid, extra_groups=[],
        capture_output=True, text=True, cwd="/")
    if result.returncode != 0:
        raise AccountError(say("cp failed: {error}", error=result.stderr.strip()))


def _run(command: list[str], stdin: str | None = None) -> None:
    result = subprocess.run(command, input=stdin, capture_output=True, text=True)
    if result.returncode != 0:
        raise AccountError(say("{command} failed: {error}", command=command[0],
                               error=result.stderr.strip()))


def make_service_user(name: str, home: Path) -> None:
    """The course service's own system user, whose home is the course folder: the instructors'
    group may read and write in it (their gradebook, feedback pages and written-answer sheets;
    mode 2770, new files inheriting the group), nobody else may look in."""
    _run(["groupadd", "-f", INSTRUCTORS])
    try:
        pwd.getpwnam(name)
    except KeyError:
        _run(["useradd", "--system", "--create-home", "--home-dir", str(home),
              "--shell", "/usr/sbin/nologin", name])
    home.mkdir(parents=True, exist_ok=True)
    account = pwd.getpwnam(name)
    shutil.chown(home, account.pw_uid, grp.getgrnam(INSTRUCTORS).gr_gid)
    home.chmod(0o2770)


def make_kernel_users(names: list[str], runner: str) -> Path:
    """The Unix users trainees' notebooks run as while they are graded (minichain.grading.
    kernel_user): system accounts that own nothing, with no home and no login, a group each.
    `runner`, the course service's user, joins their groups (to share each kernel's folder with
    its user) and may run programs as them through sudo without a password: a rule in
    /etc/sudoers.d/ (sudoers(5)), checked by visudo before it is put in place. Returns the
    rule's file."""
    if shutil.which("sudo") is None or shutil.which("visudo") is None:
        raise AccountError(say("sudo is missing (apt-get install sudo): the course service "
                               "grades each notebook as {name} through it", name=names[0]))
    for name in names:
        try:
            pwd.getpwnam(name)
        except KeyError:
            _run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir",
                  "/nonexistent", "--shell", "/usr/sbin/nologin", name])
        _run(["gpasswd", "--add", runner, name])
    SUDOERS.mkdir(mode=0o750, exist_ok=True)
    rule = SUDOERS / runner
    draft = SUDOERS / f".{runner}.draft"  # a name with a dot: sudo never reads it
    draft.write_text(
        f"# minichain hub setup: the course service ({runner}) runs each trainee's notebook as\n"
        f"# one of these accounts, which own nothing, while grading it (minichain grade\n"
        f"# --kernel-user); sudo then passes a cell's interrupt on to the kernel itself.\n"
        f"Defaults:{runner} !use_pty\n"
        f"{runner} ALL=({', '.join(names)}) NOPASSWD: {ENV}\n", encoding="utf-8")
    draft.chmod(0o440)
    try:
        _run(["visudo", "--check", "--quiet", "--file", str(draft)])
    except AccountError:
        draft.unlink()
        raise
    os.replace(draft, rule)
    return rule


def make_class_environment(venv: Path, kit: Path, python: str) -> None:
    """A Python environment every account may run (the kit's development environment may live
    in root's home): `python -m venv`, then the kit with its lab and hub extras from `kit`; run
    again (after the kit was updated), it installs the kit's current code."""
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    if (venv / "bin" / "jupyterhub-singleuser").exists():
        _run([*pip, "--no-deps", "--force-reinstall", str(kit)])
    else:
        _run([python, "-m", "venv", str(venv)])
        _run([*pip, f"{kit}[lab,hub]"])
    for path in [venv, *venv.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o444 | (0o111 if path.is_dir() else 0))
