"""The grader starts each submission's worker and kernel ahead of time, so the class waits less;
a kernel started early is still the trainee's own: nothing one trainee's notebook leaves behind
reaches the next one, and nothing is left running or lying around when the batch is done."""

from __future__ import annotations

import tempfile
from pathlib import Path

from minichain.grading.grader import grade

from grading_helpers import EXERCISE_01, set_answer, solved, write

LEAK = ("import builtins, os\n"
        "builtins.shared_answer = 'A'\n"
        "os.environ['SHARED_ANSWER'] = 'A'\n"
        "open('left-behind.txt', 'w').write('A')\n"
        "matching_copy = 'A'")
READ_LEAK = ("import builtins, os\n"
             "matching_copy = (getattr(builtins, 'shared_answer', None) or "
             "os.environ.get('SHARED_ANSWER') or "
             "(open('left-behind.txt').read() if os.path.exists('left-behind.txt') else 'C'))")


def leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("minichain-grade*")}


def test_each_trainee_gets_a_kernel_of_their_own_though_it_was_started_early(tmp_path):
    before = leftovers()
    leaker = write(tmp_path, "a-leaker", set_answer(solved(EXERCISE_01), "q1", LEAK))
    readers = [write(tmp_path, f"b-reader-{n}", set_answer(solved(EXERCISE_01), "q1", READ_LEAK))
               for n in range(3)]
    for jobs in (1, 2):
        results = {r.trainee: r for r in grade(EXERCISE_01, [leaker, *readers],
                                               tmp_path / f"graded-{jobs}", jobs=jobs)}
        q1 = {name: next(q for q in r.questions if q.name == "q1")
              for name, r in results.items()}
        assert q1["a-leaker"].points == 0                   # "A" is not the matching copy
        assert all(q1[f"b-reader-{n}"].points > 0 for n in range(3)), {
            name: (results[name].status, q.message, q.notes) for name, q in q1.items()}
    assert leftovers() == before       # every worker's copy and kernel folder was removed


def test_a_worker_waiting_for_a_submission_has_not_loaded_the_class_server():
    """Every submission waits for its worker's start: the worker imports what the checks may use
    (the chain, contracts, privacy, grading) and not the class server, which loads JupyterHub
    (a third of a second of every submission)."""
    import subprocess
    import sys

    probe = ("import sys; from minichain.grading.worker import _import_everything; "
             "_import_everything(); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'jupyterhub' or "
             "m.startswith(('minichain.classroom', 'minichain.widgets'))))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"
    checks_use = ("import sys; from minichain.grading.worker import _import_everything; "
                  "_import_everything(); print('minichain.contracts.escrow' in sys.modules, "
                  "'minichain.privacy.vault' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", checks_use], capture_output=True, text=True,
                          check=True).stdout.strip() == "True True"
