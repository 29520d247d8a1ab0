"""Trainees' Unix accounts on the class server: a name the system would refuse is refused with a
reason, a new trainee gets a private home and a first password PAM accepts, and adding someone
who already has an account never changes her password."""

from __future__ import annotations

import os
import pwd
import subprocess

import pytest

from minichain.classroom.accounts import AccountError, add_person, new_password

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
