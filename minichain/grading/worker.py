"""Grade one submission in a fresh process: `python -m minichain.grading.worker LIMITS < job.json`.

LIMITS is the batch's KernelLimits as JSON. The worker imports everything the checks use,
starts a fresh kernel with those limits and only then reads the job from stdin, so the grader
can start it ahead of the submission it will grade (minichain.grading.grader): the kernel is
already waiting when the job arrives. The job is JSON {source, submission, trainee, limits};
the result is one JSON line on stdout (minichain.grading.results.GradeResult). No job (an empty
stdin) stops the kernel and exits. Everything the checks use is imported *before* the trainee's
kernel starts, so files a submission changes on disk cannot change this process.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys


# Not needed to check answers: the widgets (UI) and the class server (it loads JupyterHub, which
# took 0.35 s of every submission's start).
_NOT_IMPORTED = ("minichain.widgets", "minichain.classroom", "minichain.grading.worker")


def _import_everything() -> None:
    """Import every minichain module the checks may use (all but `_NOT_IMPORTED`)."""
    import minichain

    def walk(path: list[str], prefix: str) -> None:
        for module in pkgutil.iter_modules(path, prefix):
            if module.name.startswith(_NOT_IMPORTED):
                continue
            try:
                imported = importlib.import_module(module.name)
            except Exception:  # noqa: BLE001 - an optional module missing its extra dependency
                continue
            if module.ispkg:
                walk(list(imported.__path__), module.name + ".")

    walk(list(minichain.__path__), "minichain.")


def main() -> int:
    _import_everything()
    from minichain.grading.grader import grade_submission, warm_kernel
    from minichain.grading.kernel import KernelLimits

    kernel = warm_kernel(KernelLimits(**json.loads(sys.argv[-1])))
    text = sys.stdin.read()
    if not text.strip():
        kernel.remove_folder()
        return 0
    job = json.loads(text)
    result = grade_submission(job["source"], job["submission"], job["trainee"],
                              KernelLimits(**job["limits"]), kernel=kernel)
    sys.stdout.write(result.to_json() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
