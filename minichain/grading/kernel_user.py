"""A trainee's kernel run as another Unix user: an operating-system boundary between her notebook
and the grader's files — the course folder, the other trainees' hand-ins, the exercise's source
with its solutions — and between her notebook and the kernels graded beside it (their folders,
their connection keys, their processes), which the sandbox's audit hook is not
(minichain.grading.sandbox).

`minichain grade --kernel-user NAME,…` starts each kernel through sudo (sudo(8), sudoers(5)):

    sudo -n -u NAME -- /usr/bin/env -i HOME=… PYTHONPATH=… python -m minichain.grading.sandbox …

so the grader's user needs a sudoers rule that lets it run env as NAME without a password
(`minichain hub setup` writes one for the class server's course service). sudo resets the
environment; `env -i` gives the kernel exactly its own. NAME must own nothing and be unable to
log in: the kernel may use what NAME may, and every process of NAME is ended after its kernel
(`end_every_process_of`) before another kernel runs as NAME; no two kernels run as one NAME at
once (the grader lends each user to one kernel at a time). The kernel's folder and the grader's
private copy of minichain are handed to NAME's group, of which the grader's user must be a
member; the copy of the exercise's source beside it is not. sudo passes a cell's interrupt on to
the kernel; a kill it cannot pass on, so the sandbox has Linux kill the kernel when sudo ends
(PR_SET_PDEATHSIG, prctl(2)). Afterwards NAME gives the group back every permission on what the
kernel made, so that the grader can remove the kernel's folder.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from minichain.language import say

__all__ = ["end_every_process_of", "kernel_command", "kernel_user_problem", "reclaim_folder",
           "share_folder"]

# one path for the sudo rule and the commands (sudo matches the command's path)
ENV = "/usr/bin/env" if Path("/usr/bin/env").exists() else (shutil.which("env") or "/usr/bin/env")


def _as(user: str, *command: str) -> list[str]:
    """`command` run as `user` through the sudo rule (env, without a password)."""
    return ["sudo", "-n", "-u", user, "--", ENV, *command]


def kernel_command(user: str, environment: dict[str, str], command: list[str]) -> list[str]:
    """`command` run as `user` with exactly `environment`."""
    return _as(user, "-i", *(f"{name}={value}" for name, value in sorted(environment.items())),
               *command)


def kernel_user_problem(user: str) -> str | None:
    """Why this process cannot run kernels as `user`, in one sentence; None if it can."""
    try:
        account = pwd.getpwnam(user)
    except KeyError:
        return say("there is no Unix user {user} to run the kernels as", user=user)
    if account.pw_uid in (0, os.geteuid()):
        return say("the kernels must run as a user of their own, not as {user}", user=user)
    if not account.pw_shell.endswith(("/nologin", "/false")):
        return say("{user} can log in: the kernels must run as an account that cannot (its "
                   "shell /usr/sbin/nologin), as every process of it is ended after each kernel",
                   user=user)
    if os.geteuid() != 0 and account.pw_gid not in os.getgroups():
        return say("{me} must be a member of the group {group} to share the kernels' folders "
                   "with {user}", me=pwd.getpwuid(os.geteuid()).pw_name,
                   group=grp.getgrgid(account.pw_gid).gr_name, user=user)
    if shutil.which("sudo") is None:
        return say("sudo is not installed, so the kernels cannot run as {user} (apt-get install "
                   "sudo)", user=user)
    try:
        tried = subprocess.run(_as(user, "true"), capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        tried = subprocess.CompletedProcess([], 1, "", type(error).__name__)
    if tried.returncode != 0:
        return say("sudo does not let this user run programs as {user}: {error}", user=user,
                   error=(tried.stderr.strip().splitlines() or ["?"])[-1])
    return None


def share_folder(folder: Path, user: str, writable: bool) -> None:
    """Hand `folder` and everything in it to `user`'s group: to read, or to read and write
    (new files then join the group too)."""
    group = pwd.getpwnam(user).pw_gid
    folders, files = (0o2770, 0o660) if writable else (0o2750, 0o640)
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        os.chown(path, -1, group)
        path.chmod(folders if path.is_dir() else files)


def reclaim_folder(folder: Path, user: str) -> None:
    """Make what `user`'s kernel left in `folder` removable by the folder's owner: `user`
    (through sudo) gives her group every permission on it again — IPython makes some folders
    its owner's only, and a notebook may do the same."""
    entries = [str(path) for path in folder.iterdir()] if folder.is_dir() else []
    if entries:
        subprocess.run(_as(user, "chmod", "-R", "-f", "u+rwX,g+rwX", "--", *entries),
                       capture_output=True, timeout=120)


def end_every_process_of(user: str) -> None:
    """End every process of `user` (as `user`, through sudo: kill -s KILL -1, kill(2)), so that
    nothing a kernel left running meets the next kernel that runs as `user`."""
    subprocess.run(_as(user, "kill", "-s", "KILL", "--", "-1"), capture_output=True, timeout=60)
