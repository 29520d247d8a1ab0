"""The class server's configuration for a Chinese class: what `MINICHAIN_HUB_LANGUAGE=zh_CN
make hub` gives trainees and the course service (the real hub runs in
tests/browser/test_class_server.py, in English)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("jupyterhub")

from traitlets.config import Config  # noqa: E402

from minichain.classroom.hub_config import ClassSettings, configure  # noqa: E402


def test_a_chinese_class_gets_chinese_jupyterlab_messages_and_exercises(tmp_path):
    settings = ClassSettings.from_environment({"MINICHAIN_HUB_STATE": str(tmp_path),
                                               "MINICHAIN_HUB_LANGUAGE": "zh_CN",
                                               "MINICHAIN_HUB_MEMORY_MB": "1024"})
    c = Config()
    configure(c, settings)
    [settings_dir] = [a.split("=", 1)[1] for a in c.Spawner.args
                      if a.startswith("--LabApp.app_settings_dir=")]
    overrides = json.loads((Path(settings_dir) / "overrides.json").read_text())
    assert overrides["@jupyterlab/translation-extension:plugin"]["locale"] == "zh_CN"
    assert c.Spawner.environment["MINICHAIN_LANG"] == "zh_CN"
    course = next(s for s in c.JupyterHub.services if s["name"] == "course")
    # the copy in the course folder (the instructors' only), never the kit's checkout
    assert course["environment"]["MINICHAIN_COURSE_EXERCISES"] == str(
        tmp_path / "course" / "exercises" / "zh_CN")
    assert course["environment"]["MINICHAIN_LANG"] == "zh_CN"
    assert f"--as={1024 << 20}" in c.Spawner.cmd
    assert (tmp_path / "hub").stat().st_mode & 0o777 == 0o700  # the hub's secrets: root's only


def test_an_english_class_leaves_jupyterlab_in_english(tmp_path):
    c = Config()
    configure(c, ClassSettings(state=tmp_path))
    assert "args" not in c.Spawner
    course = next(s for s in c.JupyterHub.services if s["name"] == "course")
    assert course["environment"]["MINICHAIN_COURSE_EXERCISES"] == str(
        tmp_path / "course" / "exercises")


def test_notebooks_are_graded_as_the_grader_user_and_lessons_come_from_the_state_folder(
        tmp_path, monkeypatch):
    import minichain.classroom.hub_config as hub_config

    c = Config()
    configure(c, ClassSettings.from_environment({"MINICHAIN_HUB_STATE": str(tmp_path),
                                                 "MINICHAIN_HUB_KERNEL_USER": "grader-7",
                                                 "MINICHAIN_HUB_GRADING_JOBS": "1"}))
    course = next(s for s in c.JupyterHub.services if s["name"] == "course")
    # one user for each kernel alive at once: the one graded, the one waiting ahead
    assert course["environment"]["MINICHAIN_COURSE_KERNEL_USERS"] == "grader-7-1,grader-7-2"
    assert course["environment"]["MINICHAIN_COURSE_JOBS"] == "1"
    copied = []
    monkeypatch.setattr(hub_config, "copy_lessons", lambda name, lessons: copied.append(lessons))
    c.Spawner.pre_spawn_hook(type("Spawner", (), {"user": type("User", (), {"name": "anna"})}))
    assert copied == [tmp_path / "lessons"]


def test_the_course_service_reaches_the_trainees_group_and_nothing_else(tmp_path):
    """Its token could start, read and mint tokens for trainees' servers only: never an
    instructor's or an admin's, never their files (it mints a token of each trainee's own)."""
    c = Config()
    configure(c, ClassSettings(state=tmp_path))
    [role] = [r for r in c.JupyterHub.load_roles if r["name"] == "course-service"]
    assert role["services"] == ["course"]
    assert role["scopes"] and all(s.endswith("!group=trainees") for s in role["scopes"])
    assert not any(s.startswith(("access:", "admin")) for s in role["scopes"])
