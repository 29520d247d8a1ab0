"""A course on the class server: hand an exercise out to every trainee, collect what they handed
in at the deadline, grade it with `minichain grade`, and give each trainee her feedback page.

The instructor's course folder holds everything collected and graded; trainees never see it:

    <course>/collected/<exercise>/<trainee>.ipynb   exactly the bytes she handed in
    <course>/collected/<exercise>/hand-ins.json     when each was handed in, late or not
    <course>/graded/<exercise>/grades.csv           `minichain grade`'s gradebook
    <course>/graded/<exercise>/hand-ins.csv         who handed in when, who was late
    <course>/graded/<exercise>/feedback/<trainee>.html

A trainee's home (through her own server, see `trainee_files`):

    exercises/<exercise>.ipynb   handed out (never overwritten: her work stays hers)
    handed-in/<exercise>.ipynb   she saves her finished notebook here to hand it in
    feedback/<exercise>.html     given back after grading

Collection is safe to run again: each trainee's file and her line in hand-ins.json are written
to a temporary file and renamed into place, one trainee at a time, so a collection that stops
half-way (the service restarted) loses nothing, and running it again collects each hand-in once
(the same bytes are "already collected"; a newer hand-in replaces the older one, except that an
on-time hand-in is never replaced by a late one: that is kept in after-the-deadline/).

"Late" compares the deadline with the file's modification time on her server, which a trainee
with a terminal could set back: collect at the deadline, and the copy taken then is the one
graded.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from minichain.classroom.trainee_files import Hub, TraineeFiles, TraineeFilesError
from minichain.language import say

__all__ = ["Course", "CourseError", "Outcome", "TRAINEES"]

TRAINEES = "trainees"   # the hub group whose members are the class
HANDED_OUT, HANDED_IN, FEEDBACK = "exercises", "handed-in", "feedback"
HAND_INS = "hand-ins.json"
LATE = "after-the-deadline"  # a change made after an on-time hand-in was collected
GRADING_TIMEOUT = 3 * 3600  # seconds: a class of 500 at a few seconds each, with room to spare
# what a trainee's name may be to name her files in the course folder (Unix user names, the
# e-mail addresses an OAuth sign-in gives): never a path
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")


class CourseError(Exception):
    """The instructor asked for something the course cannot do; the message says why."""


@dataclass(frozen=True)
class Outcome:
    """What happened for one trainee: `status` is one word a script can compare (released,
    kept, collected, late, kept-on-time, already-collected, not-handed-in, skipped, returned,
    no-feedback),
    `note` says it in the instructor's language."""

    trainee: str
    status: str
    note: str = ""


@dataclass
class Course:
    """`exercises`: the released notebooks of one edition with their sources in `source/`
    (exercises/ or exercises/zh_CN/ of the kit); `folder`: the instructor's course folder;
    `kernel_users`: the Unix users trainees' notebooks run as while graded, separated by commas
    (`minichain grade --kernel-user`), "" for the service's own."""

    folder: Path
    exercises: Path
    hub: Hub
    group: str = TRAINEES
    jobs: int = 2
    kernel_users: str = ""

    # --- the exercise -------------------------------------------------------------------

    def exercise_name(self, exercise: str) -> str:
        """The released notebook's name (e.g. "01-fingerprints-and-tamper-evidence") for "01",
        "1" or the full name."""
        names = sorted(p.stem for p in self.exercises.glob("[0-9][0-9]-*.ipynb"))
        wanted = exercise.removesuffix(".ipynb")
        for name in names:
            if wanted == name or (wanted.isdigit() and name[:2] == f"{int(wanted):02d}"):
                return name
        raise CourseError(say("there is no exercise {exercise!r}; the exercises are: {names}",
                              exercise=exercise, names=", ".join(n[:2] for n in names)))

    # --- release ------------------------------------------------------------------------

    def release(self, exercise: str) -> list[Outcome]:
        """Hand the exercise out into every trainee's home; a copy already there is kept."""
        name = self.exercise_name(exercise)
        notebook = json.loads((self.exercises / f"{name}.ipynb").read_text(encoding="utf-8"))
        return self._for_each_trainee(lambda files: self._release_to(files, name, notebook))

    def _release_to(self, files: TraineeFiles, name: str, notebook: dict) -> Outcome:
        for folder in (HANDED_OUT, HANDED_IN, FEEDBACK):
            files.make_folder(folder)
        path = f"{HANDED_OUT}/{name}.ipynb"
        if files.exists(path):
            return Outcome(files.trainee, "kept", say("{path} is already there: her copy is "
                                                      "kept", path=path))
        files.put_notebook(path, notebook)
        return Outcome(files.trainee, "released")

    # --- collect ------------------------------------------------------------------------

    def collect(self, exercise: str, deadline: datetime | None = None) -> list[Outcome]:
        """Copy each trainee's handed-in/<exercise>.ipynb into the course folder, noting when
        it was handed in and whether that was after `deadline` (an aware datetime)."""
        name = self.exercise_name(exercise)
        folder = self.folder / "collected" / name
        folder.mkdir(parents=True, exist_ok=True)
        return self._for_each_trainee(lambda files: self._collect_from(files, name, folder,
                                                                       deadline))

    def _collect_from(self, files: TraineeFiles, name: str, folder: Path,
                      deadline: datetime | None) -> Outcome:
        path = f"{HANDED_IN}/{name}.ipynb"
        found = files.read_bytes(path)
        if found is None:
            return Outcome(files.trainee, "not-handed-in", say("nothing in {path}", path=path))
        content, modified = found
        try:
            handed_in = datetime.fromisoformat(modified.replace("Z", "+00:00"))
        except ValueError:
            raise TraineeFilesError(say("{path}: its time {modified!r} is not a date",
                                        path=path, modified=modified)) from None
        if handed_in.tzinfo is None:
            handed_in = handed_in.replace(tzinfo=timezone.utc)
        late = deadline is not None and handed_in > deadline
        digest = hashlib.sha256(content).hexdigest()
        hand_ins = _read_hand_ins(folder)
        before = hand_ins.get(files.trainee, {})
        if digest in (before.get("sha256"), before.get("late_copy_sha256")):
            return Outcome(files.trainee, "already-collected")
        if late and before and not before.get("late"):
            # an on-time hand-in is never replaced by a later one: that goes beside it
            (folder / LATE).mkdir(exist_ok=True)
            _write_atomically(folder / LATE / f"{files.trainee}.ipynb", content)
            before["late_copy_sha256"] = digest
            _write_atomically(folder / HAND_INS,
                              json.dumps(hand_ins, indent=1, sort_keys=True).encode())
            return Outcome(files.trainee, "kept-on-time", say(
                "changed after the deadline ({when}): her on-time copy is the one graded, the "
                "later one is in {folder}", when=_local(handed_in), folder=LATE))
        _write_atomically(folder / f"{files.trainee}.ipynb", content)
        hand_ins[files.trainee] = {"handed_in_at": handed_in.isoformat(), "late": late,
                                   "sha256": digest}
        _write_atomically(folder / HAND_INS,
                          json.dumps(hand_ins, indent=1, sort_keys=True).encode())
        if late:
            return Outcome(files.trainee, "late", say("handed in {when}, after the deadline",
                                                      when=_local(handed_in)))
        return Outcome(files.trainee, "collected")

    # --- grade --------------------------------------------------------------------------

    def grade(self, exercise: str) -> Path:
        """Grade what was collected with `minichain grade` (in parallel); the gradebook folder."""
        name = self.exercise_name(exercise)
        collected = self.folder / "collected" / name
        submissions = sorted(collected.glob("*.ipynb"))
        if not submissions:
            raise CourseError(say("nothing collected for {name} yet: collect it first",
                                  name=name))
        out = self.folder / "graded" / name
        out.parent.mkdir(parents=True, exist_ok=True)
        command = [str(Path(sys.executable).with_name("minichain")), "grade",
                   str(self.exercises / "source" / f"{name}.ipynb"), *map(str, submissions),
                   "--out", str(out), "-j", str(self.jobs)]
        if self.kernel_users:
            command += ["--kernel-user", self.kernel_users]
        try:
            result = subprocess.run(command, capture_output=True, text=True,
                                    timeout=GRADING_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise CourseError(say("minichain grade took longer than {minutes} minutes: stopped",
                                  minutes=GRADING_TIMEOUT // 60)) from None
        if result.returncode != 0 or not (out / "grades.csv").exists():
            raise CourseError(say("minichain grade failed: {error}",
                                  error=(result.stderr or result.stdout).strip()[-2000:]))
        _write_atomically(out / "hand-ins.csv", _hand_ins_csv(_read_hand_ins(collected)).encode())
        return out

    # --- return -------------------------------------------------------------------------

    def give_back(self, exercise: str) -> list[Outcome]:
        """Put each graded trainee's feedback page into her home, as feedback/<exercise>.html."""
        name = self.exercise_name(exercise)
        pages = self.folder / "graded" / name / "feedback"
        if not pages.is_dir():
            raise CourseError(say("{name} has not been graded yet: grade it first", name=name))

        def give(files: TraineeFiles) -> Outcome:
            page = pages / f"{files.trainee}.html"
            if not page.exists():
                return Outcome(files.trainee, "no-feedback",
                               say("nothing was graded for her"))
            files.make_folder(FEEDBACK)
            files.put_text(f"{FEEDBACK}/{name}.html", page.read_text(encoding="utf-8"))
            return Outcome(files.trainee, "returned")

        return self._for_each_trainee(give)

    # --- every trainee ------------------------------------------------------------------

    def _for_each_trainee(self, action: Callable[[TraineeFiles], Outcome]) -> list[Outcome]:
        """`action` for each trainee in turn; one whose server cannot be reached is skipped with
        a note, and the others go on."""
        outcomes = []
        for trainee in self.hub.members(self.group):
            if not _SAFE_NAME.fullmatch(trainee):  # her name becomes a file name here
                outcomes.append(Outcome(trainee, "skipped", say(
                    "a hub user name that cannot be a file name is left out")))
                continue
            try:
                self.hub.ensure_running(trainee)
                outcomes.append(action(self.hub.files_of(trainee)))
            except TraineeFilesError as error:
                outcomes.append(Outcome(trainee, "skipped", str(error)))
        return outcomes


def _read_hand_ins(folder: Path) -> dict[str, dict]:
    """The record of what was collected; one that is damaged is a clear CourseError."""
    path = folder / HAND_INS
    if not path.exists():
        return {}
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        record = None
    if not isinstance(record, dict) or not all(isinstance(v, dict) for v in record.values()):
        raise CourseError(say("{path} is damaged: move it away and collect again", path=path))
    return record


def _hand_ins_csv(hand_ins: dict[str, dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["trainee", "handed_in_at", "late"])
    for trainee, row in sorted(hand_ins.items()):
        writer.writerow([trainee, row["handed_in_at"], "yes" if row["late"] else "no"])
    return out.getvalue()


def _write_atomically(path: Path, content: bytes) -> None:
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_bytes(content)
    os.replace(temporary, path)


def _local(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
