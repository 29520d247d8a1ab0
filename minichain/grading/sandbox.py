"""Start a kernel for a trainee's submission inside limits.

    python -m minichain.grading.sandbox --folder DIR --memory-mb 2048 --cpu-seconds 300 -- \
        python -m ipykernel_launcher -f CONNECTION_FILE

Two layers, both set up in the kernel's own process before any trainee code runs:

1. Operating-system limits (`resource.setrlimit`, man 2 setrlimit), soft and hard, so neither
   the kernel nor anything it starts can raise them again:
   RLIMIT_AS (address space: an allocation beyond it is a MemoryError instead of a machine
   swapping to a halt), RLIMIT_CPU (CPU seconds: a backstop behind the per-cell timeout),
   RLIMIT_FSIZE (the largest file it may write: the disk cannot be filled), RLIMIT_CORE 0.

2. A Python audit hook (PEP 578; hooks cannot be removed once added) that refuses, with a
   PermissionError naming the path, every file write, creation, deletion, rename or permission
   change outside the submission's folder, and refuses to start other programs (subprocess,
   os.system, exec, spawn, fork), to signal other processes (such as the grader that runs it)
   or to load C code through ctypes, which would get around it. It also refuses to open a
   folder outside (its descriptor would let `dir_fd=` writes escape the path check), to read
   notebooks outside (the exercise's source, other trainees' work), files of another
   submission being graded (another kernel's folder, with the key to that kernel, or another
   private copy of minichain) or another process's /proc entries, and SQLite's ATTACH through
   `sqlite3.connect` (a database file anywhere). The ways around audit events that have no
   event of their own are replaced: `_posixsubprocess.fork_exec` (subprocess),
   `os.pidfd_open` and `signal.pidfd_send_signal` (signals), `os.mkfifo` and `os.mknod`.

Honest limits: the audit hook is a guard against accidents and ordinary code, not a security
boundary. It sees what Python's own functions do; a C extension already loaded could write
without passing through it, and CPython has had audit-hook bypasses before. Only the operating
system can enforce more: `minichain grade --kernel-user` runs the kernel as a Unix user of its
own (minichain.grading.kernel_user; the class server does), which a desktop grader does not
require. The grader therefore also checks, after every submission, that its own files are
unchanged (minichain.grading.grader).

The kernel is killed when the process that started it ends (`die_with_parent`), and what it
creates in its folder is its group's to remove too (umask 007).
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import sys
from typing import Any

__all__ = ["apply_limits", "guard_writes", "main"]

MEGABYTE = 1024 * 1024
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# the grader's temporary folders: a kernel's (kernel.py) and a private copy's (grader.py)
_GRADING_FOLDERS = ("minichain-grade-", "minichain-grader-")

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_PATH_EVENTS = {  # event -> positions of its path arguments
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1),
    "os.replace": (0, 1), "os.link": (0, 1), "os.symlink": (1,), "os.truncate": (0,),
    "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,), "shutil.rmtree": (0,),
    "shutil.copyfile": (1,), "shutil.copytree": (1,), "shutil.move": (1,),
    "sqlite3.connect": (0,), "os.setxattr": (0,), "os.removexattr": (0,),
}
_REFUSED_EVENTS = {  # event -> what it would do (a key of the refusals in guard_writes)
    "subprocess.Popen": "program", "os.system": "program", "os.exec": "program",
    "os.posix_spawn": "program", "os.spawn": "program", "os.fork": "copy",
    "os.forkpty": "copy", "pty.spawn": "program", "ctypes.dlopen": "load C",
    "ctypes.dlsym": "load C", "ctypes.call_function": "call C",
}


# C modules that start programs or call C directly without raising an audit event of their own:
# loading them afresh is refused, and the copy already loaded loses its entry point.
_REFUSED_IMPORTS = {"_posixsubprocess", "_ctypes", "_testcapi", "_testinternalcapi"}


def apply_limits(memory_mb: int, cpu_seconds: int, file_mb: int) -> None:
    """Set the limits on this process (and so on what it executes next)."""
    limits = [(resource.RLIMIT_CPU, cpu_seconds), (resource.RLIMIT_FSIZE, file_mb * MEGABYTE),
              (resource.RLIMIT_CORE, 0)]
    if memory_mb > 0:
        limits.append((resource.RLIMIT_AS, memory_mb * MEGABYTE))
    for which, value in limits:
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


def die_with_parent() -> None:
    """Have Linux kill this process when the process that started it ends (prctl(2)
    PR_SET_PDEATHSIG): a kernel started through sudo as another user can be killed by the grader
    only through sudo, which cannot pass a SIGKILL on, so it must not outlive sudo."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # already loaded by ipykernel; the guard keeps it from being used later

    parent = os.getppid()
    if ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0):
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # it had already ended
        os._exit(1)


def _refusals() -> dict[str, str]:
    """The sentences of the refusals, in the language in use, looked up once before the guard
    is in place (the guard itself must not read the catalog)."""
    from minichain.language import translate

    return {
        "write": translate("a graded notebook may not write to {path}; it may write files only "
                           "in its own folder {folder}"),
        "change": translate("a graded notebook may not change {path} ({event}); it may write "
                            "files only in its own folder {folder}"),
        "create": translate("a graded notebook may not create {path}; it may write files only "
                            "in its own folder {folder}"),
        "signal pid": translate("a graded notebook may not send a signal to another process "
                                "(pid {pid})."),
        "signal": translate("a graded notebook may not send a signal to another process."),
        "program": translate("a graded notebook may not start another program."),
        "copy": translate("a graded notebook may not start a copy of itself."),
        "load C": translate("a graded notebook may not load C code."),
        "call C": translate("a graded notebook may not call C code."),
        "C module": translate("a graded notebook may not load the C module {module}."),
        "notebook": translate("a graded notebook may not read the notebook {path}."),
        "process": translate("a graded notebook may not look at another process ({path})."),
        "folder": translate("a graded notebook may not open the folder {path}."),
        "another": translate("a graded notebook may not read {path}: it belongs to another "
                             "notebook being graded."),
    }


def guard_writes(folder: str) -> None:
    """Refuse writes outside `folder` (and starting programs) for the rest of this process."""
    root = os.path.realpath(folder)
    refusals = _refusals()
    allowed = (root + os.sep, "/dev/null")
    # its own private copy of minichain (the kernel imports from it) and its own folder
    own_copy = os.environ.get("PYTHONPATH", "").split(os.pathsep)[0]
    its_own = (root + os.sep,) + ((os.path.realpath(own_copy) + os.sep,) if own_copy else ())
    realpath, fspath = os.path.realpath, os.fspath
    own_pid = os.getpid()

    def inside(path: object) -> bool:
        if isinstance(path, int) or path is None:
            return True
        try:
            full = realpath(fspath(path) if not isinstance(path, bytes) else path.decode())
        except (TypeError, ValueError, UnicodeDecodeError):
            return False
        return full == root or full.startswith(allowed) or full == "/dev/null"

    def refuse(what: str, **values: object) -> None:
        raise PermissionError(refusals[what].format(folder=root, **values))

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                (isinstance(flags, int) and flags & _WRITE_FLAGS)
            if not inside(path):
                if writing:
                    refuse("write", path=path)
                _check_reading(path)
        elif event in _PATH_EVENTS:
            for position in _PATH_EVENTS[event]:
                if position < len(args) and not inside(args[position]):
                    if event == "sqlite3.connect" and args[position] in (":memory:", b":memory:",
                                                                         ""):
                        continue
                    refuse("change", path=args[position], event=event)
        elif event in ("os.kill", "os.killpg"):
            if args and args[0] not in (own_pid, 0) and not (event == "os.killpg"
                                                             and args[0] == os.getpgid(0)):
                refuse("signal pid", pid=args[0])
        elif event in _REFUSED_EVENTS:
            refuse(_REFUSED_EVENTS[event])
        elif event == "import" and args and args[0] in _REFUSED_IMPORTS:
            refuse("C module", module=args[0])

    def _check_reading(path: object) -> None:
        """Reading outside the folder is allowed (Python and minichain must load), except:
        a directory (its descriptor would let `dir_fd=` writes escape the path check), a
        notebook (the exercise's source, other trainees' work) and another process's /proc."""
        try:
            full = realpath(fspath(path) if not isinstance(path, bytes) else path.decode())
        except (TypeError, ValueError, UnicodeDecodeError):
            return
        if full.endswith(".ipynb"):
            refuse("notebook", path=path)
        if any(part.startswith(_GRADING_FOLDERS) for part in full.split(os.sep)) \
                and not (full + os.sep).startswith(its_own):
            refuse("another", path=path)
        parts = full.split(os.sep)
        if full.startswith("/proc/") and len(parts) > 2 and parts[2].isdigit() \
                and int(parts[2]) != os.getpid():
            refuse("process", path=path)
        if os.path.isdir(full):
            refuse("folder", path=path)

    def _no_attach(action: int, *rest: object) -> int:
        import sqlite3

        return sqlite3.SQLITE_DENY if action == sqlite3.SQLITE_ATTACH else sqlite3.SQLITE_OK

    def no_programs(*args: object, **kwargs: object) -> None:
        refuse("program")

    def no_signals(*args: object, **kwargs: object) -> None:
        refuse("signal")

    def guarded(make: Any) -> Any:
        def make_inside(path: Any, *args: Any, **kwargs: Any) -> Any:
            if kwargs.get("dir_fd") is not None or not inside(path):
                refuse("create", path=path)
            return make(path, *args, **kwargs)
        return make_inside

    def no_attach(connect: Any) -> Any:
        def connect_without_attach(*args: Any, **kwargs: Any) -> Any:
            connection = connect(*args, **kwargs)
            connection.set_authorizer(_no_attach)  # ATTACH creates a database file anywhere
            return connection
        return connect_without_attach

    import _posixsubprocess
    import _sqlite3
    import sqlite3
    import subprocess

    _posixsubprocess.fork_exec = no_programs  # subprocess's own path around its audit event
    subprocess._fork_exec = no_programs  # type: ignore[attr-defined]
    # Ways around the audit events that have none of their own: signalling through a process
    # descriptor, and creating special files.
    for module, name in ((os, "pidfd_open"), (signal, "pidfd_send_signal")):
        if hasattr(module, name):
            setattr(module, name, no_signals)
    for module in (sqlite3, sqlite3.dbapi2, _sqlite3):
        module.connect = no_attach(module.connect)
    for name in ("mkfifo", "mknod"):
        if hasattr(os, name):
            setattr(os, name, guarded(getattr(os, name)))
    sys.addaudithook(hook)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m minichain.grading.sandbox")
    parser.add_argument("--folder", required=True)
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--cpu-seconds", type=int, default=600)
    parser.add_argument("--file-mb", type=int, default=64)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if command[1:3] != ["-m", "ipykernel_launcher"]:
        parser.error("the command must be `python -m ipykernel_launcher ...`")
    apply_limits(args.memory_mb, args.cpu_seconds, args.file_mb)
    die_with_parent()
    os.umask(0o007)  # what the kernel makes in its folder, the folder's group may remove
    import runpy

    import ipykernel.kernelapp  # noqa: F401 - loaded before the guard, with its C extensions
    import zmq  # noqa: F401

    guard_writes(args.folder)
    sys.argv = ["ipykernel_launcher", *command[3:]]
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
