"""The class server keeps the exercises' solutions from its trainees: the lessons and exercises
it uses are copies in its state folder, the sources among them for the course service and the
instructors only, and the kit's checkout (sources, git history) is closed to everyone else. The
real server, with real accounts, is checked in tests/browser/test_class_server.py."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from minichain.classroom.class_files import close_checkout, publish_exercises, publish_lessons

KIT = Path(__file__).resolve().parent.parent


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_account_may_read_the_lessons_and_nothing_but_the_notebooks_is_copied(tmp_path):
    target = tmp_path / "lessons"
    publish_lessons(KIT, target)
    shipped = sorted(p.relative_to(KIT / "lessons") for p in (KIT / "lessons").rglob("*.ipynb")
                     if ".ipynb_checkpoints" not in p.parts)
    copied = sorted(p.relative_to(target) for p in target.rglob("*") if p.is_file())
    assert copied == shipped and Path("zh_CN/01-fingerprints-and-tamper-evidence.ipynb") in copied
    assert all(_mode(p) == (0o755 if p.is_dir() else 0o644) for p in [target, *target.rglob("*")])


def test_the_exercises_and_their_sources_are_the_course_service_and_instructors_only(tmp_path):
    target = tmp_path / "course" / "exercises"
    target.parent.mkdir()
    publish_exercises(KIT, target, os.getuid(), os.getgid())
    source = target / "source" / "01-fingerprints-and-tamper-evidence.ipynb"
    assert source.read_bytes() == (KIT / "exercises" / "source" / source.name).read_bytes()
    assert (target / "zh_CN" / "source" / source.name).exists()
    for path in [target, *target.rglob("*")]:
        assert _mode(path) & 0o007 == 0, f"{path} is open to other users"
        assert _mode(path) & 0o222 == 0, f"{path} could be changed"
        assert (path.stat().st_uid, path.stat().st_gid) == (os.getuid(), os.getgid())


def test_setup_run_again_after_an_update_replaces_the_copies(tmp_path):
    kit = tmp_path / "kit"
    (kit / "lessons").mkdir(parents=True)
    (kit / "exercises" / "source").mkdir(parents=True)
    (kit / "lessons" / "01-old.ipynb").write_text("{}")
    (kit / "exercises" / "source" / "01-x.ipynb").write_text('{"v": 1}')
    lessons, exercises = tmp_path / "srv" / "lessons", tmp_path / "srv" / "exercises"
    lessons.parent.mkdir()
    publish_lessons(kit, lessons)
    publish_exercises(kit, exercises, os.getuid(), os.getgid())

    (kit / "lessons" / "01-old.ipynb").rename(kit / "lessons" / "01-new.ipynb")
    (kit / "exercises" / "source" / "01-x.ipynb").write_text('{"v": 2}')
    publish_lessons(kit, lessons)
    publish_exercises(kit, exercises, os.getuid(), os.getgid())

    assert [p.name for p in lessons.iterdir()] == ["01-new.ipynb"]
    assert (exercises / "source" / "01-x.ipynb").read_text() == '{"v": 2}'
    assert sorted(p.name for p in lessons.parent.iterdir()) == ["exercises", "lessons"]


def test_the_checkout_is_closed_to_other_users_once(tmp_path):
    kit = tmp_path / "kit"
    kit.mkdir(mode=0o755)
    kit.chmod(0o755)
    assert close_checkout(kit) is True
    assert _mode(kit) == 0o750
    assert close_checkout(kit) is False
