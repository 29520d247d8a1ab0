"""Run a list of code cells in a fresh, limited Jupyter kernel, one cell at a time.

This is a small executor over `jupyter_client` (the protocol library under nbclient and
JupyterLab), written for code nobody has vetted. nbclient is built for trusted notebooks: after
a timeout it interrupts the kernel and waits again, forever if the kernel ignores interrupts.
Here every cell has a deadline; when it passes the kernel is interrupted (SIGINT, as the Stop
button does); if the cell still has not finished a few seconds later, the kernel and its process
group are killed, and the cells after it are reported as not run. Output is kept up to a cap and
counted beyond it; a kernel that dies (`os._exit`, a crash, the CPU or memory limit) is reported
with how it ended. The kernel starts through `minichain.grading.sandbox`, which sets its
resource limits, in a working folder of its own with HOME, TMPDIR and IPYTHONDIR inside it, and,
with `KernelLimits.run_as`, as a Unix user of its own (minichain.grading.kernel_user).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client import KernelManager

from minichain.grading.answers import ANSWERS_MIME
from minichain.grading.kernel_user import kernel_command, reclaim_folder, share_folder
from minichain.language import say

__all__ = ["ANSWERS_MIME", "CellRun", "GradingKernel", "KernelLimits", "run_cells"]

GRACE_SECONDS = 3.0          # after an interrupt, before the kernel is killed
START_SECONDS = 60.0         # for the kernel to start and answer


@dataclass(frozen=True)
class KernelLimits:
    """How much one submission may use."""

    cell_timeout: float = 30.0      # seconds of wall-clock time per cell
    notebook_timeout: float = 600.0  # seconds for all the cells together
    memory_mb: int = 2048           # address space of the kernel process (RLIMIT_AS)
    output_bytes: int = 200_000     # output kept for the whole notebook; the rest is counted
    file_mb: int = 64               # largest file the kernel may write (RLIMIT_FSIZE)
    run_as: str = ""                # a Unix user of its own for the kernel (kernel_user), or ""

    def cpu_seconds(self) -> int:
        """The kernel's CPU budget: the whole notebook's time, plus the start."""
        return int(self.notebook_timeout + 60)


@dataclass
class CellRun:
    """What happened to one cell: 'ok', 'error', 'timeout', 'not run' or 'kernel died'."""

    status: str = "not run"
    error: str = ""                                   # "NameError: name 'x' is not defined"
    text: list[str] = field(default_factory=list)     # what the cell printed (capped)
    stderr: str = ""
    answers: dict[str, Any] | None = None             # from a collector cell's output
    seconds: float = 0.0                              # a timeout: the limit it ran past
    stubborn: bool = False                            # a timeout: the kernel had to be shut down


class _SandboxedKernelManager(KernelManager):
    limits: KernelLimits = KernelLimits()
    folder: str = "."
    environment: dict[str, str] = {}

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        sandboxed = [sys.executable, "-m", "minichain.grading.sandbox", "--folder", self.folder,
                     "--memory-mb", str(self.limits.memory_mb),
                     "--cpu-seconds", str(self.limits.cpu_seconds()),
                     "--file-mb", str(self.limits.file_mb), "--", *command]
        if self.limits.run_as:
            return kernel_command(self.limits.run_as, self.environment, sandboxed)
        return sandboxed

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        if self.limits.run_as:  # written for this user only: the kernel's group must read it
            os.chmod(self.connection_file, 0o640)


def _environment(workdir: Path) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "MINICHAIN_LANG", "VIRTUAL_ENV", "SYSTEMROOT")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    # the kernel speaks the exercise's language (`minichain grade` sets MINICHAIN_LANG from the
    # source's folder), never the machine's locale
    env.setdefault("MINICHAIN_LANG", "en")
    (workdir / ".tmp").mkdir(exist_ok=True)
    env.update(HOME=str(workdir), TMPDIR=str(workdir / ".tmp"),
               IPYTHONDIR=str(workdir / ".ipython"),
               JUPYTER_CONFIG_DIR=str(workdir / ".jupyter"),
               JUPYTER_RUNTIME_DIR=str(workdir / ".runtime"), MPLCONFIGDIR=str(workdir / ".mpl"),
               PYTHONNOUSERSITE="1",
               PYTHONDONTWRITEBYTECODE="1", MALLOC_ARENA_MAX="2", MPLBACKEND="agg",
               PYDEVD_DISABLE_FILE_VALIDATION="1",
               PYTHONPATH=str(Path(__file__).resolve().parent.parent.parent))  # this minichain
    return env


def _how_it_ended(km: KernelManager) -> str:
    """How the kernel ended, as a sentence that stands alone."""
    process = getattr(km.provisioner, "process", None)
    code = process.poll() if process is not None else None
    if code is None:
        return say("the kernel stopped answering")
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else code
        if name == "SIGXCPU":
            return say("the kernel was stopped by {signal} (its CPU time limit)", signal=name)
        if name == "SIGKILL":
            return say("the kernel was stopped by {signal} (killed, e.g. out of memory)",
                       signal=name)
        if name == "SIGSEGV":
            return say("the kernel was stopped by {signal} (a crash)", signal=name)
        return say("the kernel was stopped by {signal}", signal=name)
    return say("the kernel exited with code {code}", code=code)


class _Output:
    """Counts every byte a notebook prints; keeps only the first `limit`."""

    def __init__(self, limit: int):
        self.limit = limit
        self.kept = 0
        self.dropped = 0

    def take(self, text: str) -> str | None:
        size = len(text)
        if self.kept + size <= self.limit:
            self.kept += size
            return text
        self.dropped += size
        return None


class GradingKernel:
    """A fresh, limited kernel for one submission: started ahead of time (so a batch need not
    wait for it), used for exactly one list of cells, then stopped.

    `start()` launches the kernel in `workdir` and waits until it answers; `run()` executes the
    cells; `stop()` shuts it down and kills what is left of its process group. The notebook's
    time budget starts with `run()`, not with `start()`.
    """

    def __init__(self, workdir: Path, limits: KernelLimits = KernelLimits()):
        self.workdir, self.limits = workdir, limits
        self.km = _SandboxedKernelManager(kernel_name="python3")
        self.km.limits, self.km.folder = limits, str(workdir)
        self.km.environment = _environment(workdir)
        self.km.connection_file = str(workdir / ".runtime" / "kernel.json")
        # Unix sockets in its own folder, not TCP ports: no port picked by one grader can be
        # taken by a kernel of another before its own binds it
        self.km.transport = "ipc"
        (workdir / ".runtime").mkdir(exist_ok=True)
        if limits.run_as:
            share_folder(workdir, limits.run_as, writable=True)
        self.kc: Any = None
        self.failed: str | None = None     # how the kernel ended before the first cell, if it did
        self.stopped = False

    def start(self) -> None:
        try:
            self.km.start_kernel(cwd=str(self.workdir), env=self.km.environment,
                                 independent=False, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            self.kc = self.km.blocking_client()
            self.kc.start_channels()
            self.kc.wait_for_ready(timeout=START_SECONDS)
        except RuntimeError:
            # TRANSLATORS: {how} is a sentence such as "the kernel exited with code 1".
            self.failed = say("{how} before the first cell", how=_how_it_ended(self.km))

    def run(self, codes: list[str], collectors: frozenset[int] = frozenset()
            ) -> tuple[list[CellRun], dict[str, Any]]:
        """Execute `codes` in order. Cells whose index is in `collectors` publish the
        submission's answers (ANSWERS_MIME); their outputs are parsed, never shown. Returns one
        CellRun per cell and a summary: {"kernel": None or how the kernel ended early,
        "output_dropped": bytes not kept, "started": whether the kernel started at all,
        "overtime": whether the notebook ran past its whole time budget}."""
        runs = [CellRun() for _ in codes]
        output = _Output(self.limits.output_bytes)
        summary: dict[str, Any] = {"kernel": None, "output_dropped": 0, "started": False,
                                   "overtime": False}
        if self.kc is None or self.failed:
            summary["kernel"] = self.failed or say("the kernel was not started before the first "
                                                   "cell")
            return runs, summary
        summary["started"] = True
        everything = time.monotonic() + self.limits.notebook_timeout
        try:
            for index, code in enumerate(codes):
                if time.monotonic() > everything:
                    summary["overtime"] = True
                    summary["kernel"] = say("the notebook as a whole ran longer than {seconds:g} "
                                            "seconds, so it was stopped",
                                            seconds=self.limits.notebook_timeout)
                    break
                ended = _run_one(self.km, self.kc, code, runs[index], self.limits, output,
                                 index in collectors, everything)
                if ended:
                    summary["kernel"] = ended
                    break
        finally:
            summary["output_dropped"] = output.dropped
        return runs, summary

    def stop(self) -> None:
        """Stop the kernel (once; later calls do nothing)."""
        if not self.stopped:
            self.stopped = True
            _stop(self.km, self.kc)

    def remove_folder(self) -> None:
        """Stop the kernel and remove its working folder with everything it made there."""
        self.stop()
        if self.limits.run_as:
            reclaim_folder(self.workdir, self.limits.run_as)
        shutil.rmtree(self.workdir, ignore_errors=True)


def run_cells(codes: list[str], workdir: Path, limits: KernelLimits = KernelLimits(),
              collectors: frozenset[int] = frozenset()) -> tuple[list[CellRun], dict[str, Any]]:
    """Execute `codes` in order in a new kernel started in `workdir` (GradingKernel.run)."""
    kernel = GradingKernel(workdir, limits)
    try:
        kernel.start()
        return kernel.run(codes, collectors)
    finally:
        kernel.stop()


def _run_one(km: KernelManager, kc: Any, code: str, run: CellRun, limits: KernelLimits,
             output: _Output, collector: bool, everything: float) -> str | None:
    """Run one cell; returns None, or how the kernel ended if it cannot go on."""
    msg_id = kc.execute(code, store_history=False, allow_stdin=False, stop_on_error=False)
    deadline = min(time.monotonic() + limits.cell_timeout, everything)
    interrupted_at = None
    run.status = "ok"
    while True:
        now = time.monotonic()
        if interrupted_at is None and now > deadline:
            run.status, run.seconds = "timeout", limits.cell_timeout
            run.error = say("still running after {seconds:g} seconds, so it was stopped",
                            seconds=limits.cell_timeout)
            km.interrupt_kernel()
            interrupted_at = now
        if interrupted_at is not None and now > interrupted_at + GRACE_SECONDS:
            run.status, run.seconds, run.stubborn = "timeout", limits.cell_timeout, True
            run.error = say("still running after {seconds:g} seconds and it would not stop, so "
                            "the kernel was shut down", seconds=limits.cell_timeout)
            return say("the kernel was shut down after a cell that would not stop")
        try:
            msg = kc.get_iopub_msg(timeout=0.2)
        except Empty:
            if not km.is_alive():
                run.status = "kernel died"
                ended = _how_it_ended(km)
                # TRANSLATORS: {how} is a sentence such as "the kernel exited with code 1".
                run.error = say("{how} while this cell ran", how=ended)
                return ended
            continue
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content.get("execution_state") == "idle":
            _read_reply(kc, msg_id, run)
            return None
        if kind == "error" and run.status != "timeout":
            run.status = "error"
            run.error = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}".strip()
            if run.error.endswith(":"):
                run.error = run.error[:-1]
        elif kind == "stream":
            text = output.take(content.get("text", ""))
            if text is not None:
                if content.get("name") == "stderr":
                    run.stderr += text
                else:
                    run.text.append(text)
        elif kind in ("display_data", "execute_result"):
            data = content.get("data", {})
            if collector and ANSWERS_MIME in data:
                run.answers = _parse_answers(data[ANSWERS_MIME])
            else:
                text = output.take(str(data.get("text/plain", "")))
                if text is not None:
                    run.text.append(text)


def _read_reply(kc: Any, msg_id: str, run: CellRun) -> None:
    """The cell's execute_reply: an error it reports counts even if the error's broadcast was
    suppressed (code can stop IPython from showing a traceback, not from replying)."""
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        try:
            reply = kc.get_shell_msg(timeout=0.5)
        except Empty:
            continue
        if reply.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        content = reply.get("content", {})
        if content.get("status") == "error" and run.status == "ok":
            run.status = "error"
            run.error = (f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"
                         .strip().rstrip(":"))
        return


def _parse_answers(payload: Any) -> dict[str, Any] | None:
    if isinstance(payload, str):
        if len(payload) > 2_000_000:
            return None
        try:
            payload = json.loads(payload)
        except (ValueError, RecursionError):  # damaged, or nested beyond reason
            return None
    return payload if isinstance(payload, dict) else None


def _stop(km: KernelManager, kc: Any) -> None:
    """Shut the kernel down, then kill whatever is left of its process group."""
    pid = getattr(getattr(km.provisioner, "process", None), "pid", None) if km.provisioner else None
    if kc is not None:
        kc.stop_channels()
    try:
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    except Exception:  # noqa: BLE001 - a kernel in any state must not stop the batch
        pass
    if pid is not None:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
    try:
        km.cleanup_resources()
    except Exception:  # noqa: BLE001
        pass
