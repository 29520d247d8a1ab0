"""The kit's files a class server uses while it runs, copied out of the kit's checkout, and the
checkout closed to everyone else.

The checkout holds the exercises' sources — their solutions and hidden tests —, in its files and
in its git history, so on a machine where trainees have a terminal no trainee may read it. (On
Kubernetes the same rule holds by construction: the trainees' image never contains the sources,
deploy/k8s/Dockerfile.) `minichain hub setup` therefore lays out, in the state folder:

    <state>/lessons/             the lessons' notebooks, both editions, open to every account:
                                 each new home gets a copy (accounts.copy_lessons)
    <state>/course/exercises/    the released exercises with their sources, both editions: the
                                 course service's and the instructors' to read, nobody else's

and takes every permission for other users off the checkout's own folder. Setup run again after
the kit was updated replaces both copies (a trainee's own copy of a lesson is never touched).
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

__all__ = ["close_checkout", "publish_exercises", "publish_lessons"]

_NOT_COPIED = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.py", "*.pyc")


def publish_lessons(kit: Path, target: Path) -> None:
    """The lessons' notebooks (lessons/ and lessons/zh_CN/), readable by every account."""
    def lay_out(new: Path) -> None:
        shutil.copytree(kit / "lessons", new, ignore=_NOT_COPIED)
        _set_modes(new, folders=0o755, files=0o644)

    _replace(target, lay_out)


def publish_exercises(kit: Path, target: Path, owner: int, group: int) -> None:
    """exercises/ with every edition's sources, readable by `owner` (the course service) and
    `group` (the instructors) only, and writable by nobody: a grade is always measured against
    the shipped source."""
    def lay_out(new: Path) -> None:
        shutil.copytree(kit / "exercises", new, ignore=_NOT_COPIED)
        _set_modes(new, folders=0o2550, files=0o440, owner=(owner, group))

    _replace(target, lay_out)


def close_checkout(kit: Path) -> bool:
    """Take every permission for other users off the checkout's folder (nothing under it can
    then be reached by them); whether anything had to change."""
    mode = stat.S_IMODE(kit.stat().st_mode)
    if not mode & 0o007:
        return False
    kit.chmod(mode & ~0o007)
    return True


def _set_modes(root: Path, folders: int, files: int,
               owner: tuple[int, int] | None = None) -> None:
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            if owner:
                os.chown(path, *owner)
            path.chmod(folders if path.is_dir() else files)


def _replace(target: Path, lay_out) -> None:
    """Build the new copy beside the old one, then swap them, so the hub never sees half a copy."""
    new, old = target.with_name(target.name + ".new"), target.with_name(target.name + ".old")
    for leftover in (new, old):
        if leftover.exists():
            _remove(leftover)
    lay_out(new)
    if target.exists():
        target.rename(old)
    new.rename(target)
    if old.exists():
        _remove(old)


def _remove(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:  # read-only folders must open up to be removed
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o700)
    shutil.rmtree(folder)
