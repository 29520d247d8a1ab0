"""Grade one submission in a fresh process: `python -m minichain.grading.worker < job.json`.

The job is JSON {source, submission, trainee, limits}; the result is one JSON line on stdout
(minichain.grading.results.GradeResult). Everything the checks use is imported *before* the
trainee's kernel starts, so files a submission changes on disk cannot change this process.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys


def _import_everything() -> None:
    """Import every minichain module but the widgets (UI, not needed to check answers)."""
    import minichain

    def walk(path: list[str], prefix: str) -> None:
        for module in pkgutil.iter_modules(path, prefix):
            if module.name.startswith(("minichain.widgets", "minichain.grading.worker")):
                continue
            try:
                imported = importlib.import_module(module.name)
            except Exception:  # noqa: BLE001 - an optional module missing its extra dependency
                continue
            if module.ispkg:
                walk(list(imported.__path__), module.name + ".")

    walk(list(minichain.__path__), "minichain.")


def main() -> int:
    job = json.loads(sys.stdin.read())
    _import_everything()
    from minichain.grading.grader import grade_submission
    from minichain.grading.kernel import KernelLimits

    result = grade_submission(job["source"], job["submission"], job["trainee"],
                              KernelLimits(**job["limits"]))
    sys.stdout.write(result.to_json() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
