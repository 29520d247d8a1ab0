"""Trainees' Unix accounts on the class server: a name the system would refuse is refused with a
reason, a new trainee gets a private home and a first password PAM accepts, and adding someone
who already has an account never changes her password. The course service may run programs as
the graders' users, accounts that own nothing, and as nobody else."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from minichain.classroom.accounts import (
    SUDOERS,
    AccountError,
    add_person,
    make_kernel_users,
    new_password,
)
from minichain.grading.kernel_user import ENV, kernel_user_problem

NAME, GROUP = "mctest-unit-dana", "mctest-unit-class"


def test_a_name_the_system_would_refuse_is_refused_with_the_rule():
    for name in ("Anna Li", "-anna", "anna/../root", "a" * 40, ""):
        with pytest.raises(AccountError, match="cannot be a user name"):
            add_person(name, GROUP)


def test_a_first_password_is_easy_to_read_from_paper():
    passwords = {new_password() for _ in range(200)}
    assert len(passwords) == 200 and all(len(p) == 12 for p in passwords)
    assert not set("".join(passwords)) & set("0O1lI")


@pytest.fixture
def dana():
    if os.geteuid() != 0:
        pytest.skip("makes a Unix account: run as root")
    yield NAME
    subprocess.run(["userdel", "--remove", NAME], capture_output=True)
    subprocess.run(["groupdel", GROUP], capture_output=True)


def test_a_new_trainee_gets_a_private_home_and_her_password_stays_hers(dana):
    import pamela

    password = add_person(dana, GROUP)
    home = pwd.getpwnam(dana).pw_dir
    assert os.stat(home).st_mode & 0o777 == 0o700
    pamela.authenticate(dana, password, service="login")
    assert add_person(dana, GROUP) is None  # added again: her account and password stay
    pamela.authenticate(dana, password, service="login")
    with pytest.raises(pamela.PAMError):
        pamela.authenticate(dana, "not-" + password, service="login")


def test_the_lessons_are_copied_as_her_and_a_link_she_left_is_not_followed(dana):
    """Root never writes in her home: a `lessons` link to a system folder stays a link, and the
    folder it points at is not touched."""
    import shutil
    import tempfile

    from minichain.classroom.accounts import copy_lessons

    tmp_path = Path(tempfile.mkdtemp(prefix="minichain-kit-"))  # pytest's own is root's alone
    try:
        _copy_as_her(dana, tmp_path, copy_lessons)
    finally:
        shutil.rmtree(tmp_path)


def _copy_as_her(dana, tmp_path, copy_lessons):
    add_person(dana, GROUP)
    home = Path(pwd.getpwnam(dana).pw_dir)
    lessons = tmp_path / "kit" / "lessons"
    lessons.mkdir(parents=True)
    (lessons / "01.ipynb").write_text("{}")
    tmp_path.chmod(0o755)
    (tmp_path / "kit").chmod(0o755)
    copy_lessons(dana, lessons)
    copied = home / "lessons" / "01.ipynb"
    assert copied.stat().st_uid == pwd.getpwnam(dana).pw_uid

    bait = tmp_path / "system"
    bait.mkdir()
    (home / "lessons" / "01.ipynb").unlink()
    (home / "lessons").rmdir()
    (home / "lessons").symlink_to(bait)
    copy_lessons(dana, lessons)
    assert (home / "lessons").is_symlink()
    assert bait.stat().st_uid == 0 and list(bait.iterdir()) == []

    # the copy has her rights, not root's: a file she may not read is not copied for her
    (home / "lessons").unlink()
    secret = lessons / "answers.ipynb"
    secret.write_text("{}")
    secret.chmod(0o600)
    with pytest.raises(AccountError, match="cp failed"):
        copy_lessons(dana, lessons)


def test_a_system_account_or_an_administrator_cannot_join_a_class(dana):
    with pytest.raises(AccountError, match="system account"):
        add_person("www-data", GROUP)
    add_person(dana, GROUP)
    subprocess.run(["groupadd", "-f", "sudo"], check=True)
    subprocess.run(["gpasswd", "--add", dana, "sudo"], check=True, capture_output=True)
    try:
        with pytest.raises(AccountError, match="sudo"):
            add_person(dana, "mctest-unit-other")
    finally:
        subprocess.run(["gpasswd", "--delete", dana, "sudo"], capture_output=True)
        subprocess.run(["groupdel", "mctest-unit-other"], capture_output=True)


@pytest.fixture
def course_service():
    """The course service's user, and the graders' users it will run notebooks as."""
    if os.geteuid() != 0:
        pytest.skip("makes Unix accounts and a sudo rule: run as root")
    if shutil.which("sudo") is None:
        pytest.skip("sudo is not installed (make browser installs it)")
    course, graders = "mctest-unit-course", ["mctest-unit-grader-1", "mctest-unit-grader-2"]
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/bin/sh", course],
                   check=True)
    yield course, graders
    (SUDOERS / course).unlink(missing_ok=True)
    for name in (course, *graders):
        subprocess.run(["userdel", name], capture_output=True)
        subprocess.run(["groupdel", name], capture_output=True)


def test_the_course_service_may_run_programs_as_the_graders_and_as_nobody_else(course_service):
    course, graders = course_service
    rule = make_kernel_users(graders, course)
    assert rule == SUDOERS / course and stat.S_IMODE(rule.stat().st_mode) == 0o440
    assert make_kernel_users(graders, course) == rule  # setup run again: the same rule
    assert not list(SUDOERS.glob(".*draft"))

    def as_course(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(["runuser", "-u", course, "--", "sudo", "-n", *command],
                              capture_output=True, text=True)

    for grader in graders:
        allowed = as_course("-u", grader, "--", ENV, "-i", "id", "-un")
        assert allowed.returncode == 0 and allowed.stdout.strip() == grader, allowed.stderr
        account = pwd.getpwnam(grader)
        assert account.pw_shell.endswith("nologin") and not Path(account.pw_dir).exists()
        assert course in grp.getgrgid(account.pw_gid).gr_mem  # shares kernels' folders
        assert kernel_user_problem(grader) is None  # root may run it too
    assert as_course("-u", "root", "--", ENV, "id").returncode != 0
    assert as_course("-u", graders[0], "--", "/bin/sh", "-c", "id").returncode != 0
    assert "of their own" in kernel_user_problem("root")
    assert "no Unix user" in kernel_user_problem("mctest-unit-nobody")
    assert "can log in" in kernel_user_problem(course)  # its processes would all be ended
