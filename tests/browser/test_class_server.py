"""A class on one server, end to end: the administrator sets the server up and makes the
accounts with `minichain hub`, JupyterHub starts with its proxy on 127.0.0.1, two trainees sign
in with Chromium and run a lesson in their own JupyterLab, the instructor hands exercise 01 out
through the course service, Anna hands in the right answers (File ▸ Save As… into handed-in/),
Ben a wrong one after the deadline and Cara a file that is not a notebook at all; the instructor
collects — Ben's server stopped, the course service killed half-way and restarted by the hub —,
grades and gives the feedback back. Each trainee's files stay hers: the hub refuses Anna at
Ben's server and the operating system refuses her at his home.

Needs root (it makes Unix accounts, all named mctest-…, removed at the end) and
configurable-http-proxy (`make browser` installs it from npm into deploy/hub/).
"""

from __future__ import annotations

import csv
import io
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from class_server import PREFIX, REPO, ClassServer, HubSession, other_members, \
    remove_test_accounts
from conftest import browser_mode
from grading_helpers import set_answer, solved
from jupyterlab_driver import LessonPage
from test_lessons_in_browser import run_all_and_check

from minichain.grading.exercise import Exercise

EXERCISE = "01-fingerprints-and-tamper-evidence"
SOURCE = REPO / "exercises" / "source" / f"{EXERCISE}.ipynb"
LESSON = "lessons/01-fingerprints-and-tamper-evidence.ipynb"
PROXY = REPO / "deploy" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"


def _cannot_run() -> str | None:
    if os.geteuid() != 0:
        return "the class server's test makes Unix accounts: run it as root"
    if not PROXY.exists():
        return "configurable-http-proxy is missing: run `make browser` (npm install in deploy/hub)"
    if shutil.which("sudo") is None:
        return "sudo is missing (the grader runs notebooks through it): run `make browser`"
    if other_members():
        return f"a real class uses this machine (members: {other_members()[:3]}); not touching it"
    return None


@pytest.fixture(scope="module")
def hub(chromium, artifacts):
    problem = _cannot_run()
    if problem:
        if browser_mode() == "require":
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    remove_test_accounts()
    # not under pytest's temporary folder: that is root's alone, and the class's environment
    # in it must be open to every account, as /srv is
    state = Path(tempfile.mkdtemp(prefix="minichain-class-"))
    state.chmod(0o755)
    server = ClassServer(state=state / "srv", log_path=artifacts / "class-server-hub.log")
    try:
        server.minichain("hub", "setup")
        server.add("anna", "ben", "cara")
        server.add("li", instructor=True)
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def instructor(hub) -> dict[str, str]:
    """Li, the instructor, with a token for the course service (made on the hub's token page's
    API, as she would make it there)."""
    li = HubSession(hub, "li")
    reply = li.token("access:services!service=course")
    assert reply.status_code == 201, reply.text
    return {"Authorization": f"token {reply.json()['token']}"}


def course(hub, instructor, action: str, **body) -> dict:
    import requests

    reply = requests.post(f"{hub.url}/services/course/api/{action}", headers=instructor,
                          json={"exercise": "01", **body}, timeout=900)
    assert reply.status_code == 200, f"{action}: {reply.status_code} {reply.text[:500]}"
    return reply.json()


def statuses(answer: dict) -> dict[str, str]:
    return {o["trainee"].removeprefix(PREFIX): o["status"] for o in answer["trainees"]}


class Trainee:
    """A trainee in Chromium: signs in on the hub's page and works in her JupyterLab."""

    def __init__(self, hub: ClassServer, browser, name: str, artifacts: Path):
        self.hub, self.name, self.user = hub, name, hub.user(name)
        self.language = "en"
        self.lab = LessonPage(browser, self, LESSON, artifacts=artifacts / f"class-{name}")

    def sign_in(self, password: str | None = None) -> None:
        page = self.lab.page
        page.goto(f"{self.hub.url}/hub/login")
        page.fill("input[name=username]", self.user)
        page.fill("input[name=password]", password or self.hub.passwords[self.name])
        page.click("#login_submit")

    # what LessonPage asks of the server it opens lessons on
    def lesson_url(self, name: str, workspace: str) -> str:
        return f"{self.hub.url}/user/{self.user}/lab/workspaces/{workspace}/tree/{name}?reset"

    def start_kernel(self, name: str) -> None:
        """The kernel starts when JupyterLab opens the notebook."""

    def shut_down_kernels(self) -> None:
        """Her server keeps its kernels; the hub stops the server."""


def test_a_wrong_password_is_refused(hub, browser, artifacts):
    anna = Trainee(hub, browser, "anna", artifacts)
    try:
        anna.sign_in(password="not-her-password")
        message = anna.lab.page.locator(".login_error")
        message.wait_for()
        assert "Invalid username or password" in message.inner_text()
        assert "/hub/login" in anna.lab.page.url
    finally:
        anna.lab.close()
    assert HubSession(hub, "anna", "not-her-password").reply.status_code == 403


@pytest.mark.parametrize("name", ["anna", "ben"])
def test_a_trainee_signs_in_and_runs_a_lesson_in_her_own_jupyterlab(hub, browser, artifacts,
                                                                    name):
    trainee = Trainee(hub, browser, name, artifacts)
    try:
        trainee.sign_in()
        trainee.lab.page.wait_for_url(f"**/user/{hub.user(name)}/lab**", timeout=180_000)
        trainee.lab.open()
        run_all_and_check(trainee.lab, REPO / LESSON)
    finally:
        trainee.lab.close()
    lessons = hub.home(name) / "lessons"
    assert (lessons / "01-fingerprints-and-tamper-evidence.ipynb").exists()
    assert lessons.stat().st_uid == hub.home(name).stat().st_uid  # hers


def test_the_instructor_hands_the_exercise_out_without_overwriting_anyones_work(hub, instructor):
    first = course(hub, instructor, "release")
    assert statuses(first) == {"anna": "released", "ben": "released", "cara": "released"}
    handed_out = hub.home("ben") / "exercises" / f"{EXERCISE}.ipynb"
    assert handed_out.stat().st_uid == hub.home("ben").stat().st_uid

    ben = HubSession(hub, "ben")
    assert ben.my_files("DELETE", f"exercises/{EXERCISE}.ipynb").status_code == 204
    again = course(hub, instructor, "release")
    assert statuses(again) == {"anna": "kept", "ben": "released", "cara": "kept"}
    assert handed_out.exists()


def test_a_trainee_cannot_open_another_trainees_files(hub, browser, artifacts):
    anna = HubSession(hub, "anna")
    reply = anna.http.get(f"{hub.url}/user/{hub.user('ben')}/api/contents/exercises",
                          allow_redirects=False, timeout=60)
    assert reply.status_code == 403  # his server refuses her: her login is not for his server
    seen = subprocess.run(["runuser", "-u", hub.user("anna"), "--", "ls",
                           str(hub.home("ben") / "exercises")], capture_output=True, text=True)
    assert seen.returncode != 0 and "Permission denied" in seen.stderr
    assert oct(hub.home("ben").stat().st_mode & 0o777) == "0o700"


def test_trainees_hand_in_and_the_instructor_collects_at_the_deadline(hub, browser, artifacts,
                                                                     instructor):
    anna = HubSession(hub, "anna")
    # Anna has typed the right answers into her copy; she hands it in with Save As…
    right = anna.my_files("PUT", f"exercises/{EXERCISE}.ipynb",
                          json={"type": "notebook", "format": "json", "content": solved()})
    assert right.status_code in (200, 201)
    _save_as_into_handed_in(hub, browser, artifacts)
    deadline = datetime.now(timezone.utc) + timedelta(seconds=1)
    time.sleep(2)

    ben, cara = HubSession(hub, "ben"), HubSession(hub, "cara")
    wrong = set_answer(solved(), "q1", 'matching_copy = "A"')
    wrong["cells"].append(_peek_at_the_course_folder(hub))  # a cell of his own
    assert ben.my_files("PUT", f"handed-in/{EXERCISE}.ipynb", json={
        "type": "notebook", "format": "json", "content": wrong}).status_code in (200, 201)
    assert cara.my_files("PUT", f"handed-in/{EXERCISE}.ipynb", json={
        "type": "file", "format": "text", "content": "{ this is not a notebook"}
    ).status_code in (200, 201)
    # Ben goes home and stops his server; the course service will have to start it
    assert ben.hub_api("DELETE", f"users/{hub.user('ben')}/server").status_code in (202, 204)

    collected = hub.state / "course" / "collected" / EXERCISE
    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.update(_try_collect(hub, instructor,
                                                                          deadline)))
    thread.start()
    _kill_the_service_once_anna_is_collected(hub, collected)
    thread.join()
    assert outcome.get("status") != 200  # the collection really was cut short

    answer = _collect_when_the_service_is_back(hub, instructor, deadline)
    assert statuses(answer) == {"anna": "already-collected", "ben": "late", "cara": "late"}
    assert sorted(p.name for p in collected.glob("*.ipynb")) == [
        f"{hub.user(n)}.ipynb" for n in ("anna", "ben", "cara")]
    hand_ins = json.loads((collected / "hand-ins.json").read_text())
    assert [hand_ins[hub.user(n)]["late"] for n in ("anna", "ben", "cara")] == [False, True, True]
    assert statuses(course(hub, instructor, "collect", deadline=deadline.isoformat())) == {
        "anna": "already-collected", "ben": "already-collected", "cara": "already-collected"}


def test_the_instructor_grades_and_gives_the_feedback_back(hub, instructor):
    # she grades from a terminal in her own JupyterLab: her server's token may call the service
    li_server = subprocess.run(["pgrep", "-u", hub.user("li"), "-f", "jupyterhub-singleuser"],
                               capture_output=True, text=True).stdout.split()
    assert li_server, "Li's server is not running"
    environ = dict(line.split("=", 1) for line in Path(f"/proc/{li_server[0]}/environ")
                   .read_text().split("\0") if "=" in line)
    terminal = subprocess.run(
        [str(Path(sys.executable).with_name("minichain")), "course", "grade", "01"],
        env={**os.environ, "JUPYTERHUB_API_TOKEN": environ["JUPYTERHUB_API_TOKEN"],
             "MINICHAIN_HUB_URL": environ["MINICHAIN_HUB_URL"]},
        capture_output=True, text=True, timeout=900)
    assert terminal.returncode == 0, terminal.stderr
    rows = {r["trainee"].removeprefix(PREFIX): r
            for r in csv.DictReader(io.StringIO(terminal.stdout.lstrip("\ufeff")))}
    assert set(rows) == {"anna", "ben", "cara"}
    assert rows["anna"]["total"] == rows["anna"]["max"]
    q1 = next(q for q in Exercise.read(SOURCE).questions if q.name == "q1")
    assert float(rows["ben"]["total"]) == float(rows["ben"]["max"]) - q1.points  # q1 wrong
    assert float(rows["cara"]["total"]) == 0

    returned = course(hub, instructor, "return")
    assert statuses(returned) == {"anna": "returned", "ben": "returned", "cara": "returned"}
    # graded as the grader's user, Ben's own cell could not read what was collected: the
    # operating system said no (the sandbox's guard lets a notebook read such a file)
    feedback = (hub.home("ben") / "feedback" / f"{EXERCISE}.html").read_text()
    assert "Errno 13" in feedback and "hand-ins.json" in feedback
    # and the kernels' folders, with what the grader's user made in them, are gone
    service = pwd.getpwnam(hub.user("course")).pw_uid
    assert not [p for p in Path(tempfile.gettempdir()).glob("minichain-grade*")
                if p.stat().st_uid == service]
    for name in ("anna", "ben"):
        page = hub.home(name) / "feedback" / f"{EXERCISE}.html"
        assert page.stat().st_uid == hub.home(name).stat().st_uid
        assert (hub.state / "course" / "graded" / EXERCISE / "feedback" /
                f"{hub.user(name)}.html").read_text() == page.read_text()
    hand_ins = (hub.state / "course" / "graded" / EXERCISE / "hand-ins.csv").read_text()
    assert f"{hub.user('ben')}," in hand_ins and ",yes" in hand_ins


def test_only_the_instructor_may_use_the_course_service(hub, instructor):
    import requests

    anna = HubSession(hub, "anna")
    assert anna.token("access:services!service=course").status_code == 400  # not hers to ask
    token = anna.token()  # everything she may do herself
    assert token.status_code == 201, token.text
    reply = requests.post(f"{hub.url}/services/course/api/release", json={"exercise": "01"},
                          headers={"Authorization": f"token {token.json()['token']}"},
                          timeout=60)
    assert reply.status_code == 403
    grades = requests.get(f"{hub.url}/services/course/api/grades/01", headers=instructor,
                          timeout=60)
    assert grades.status_code == 200 and grades.text.lstrip("\ufeff").startswith("trainee,")
    course_folder = hub.state / "course"
    seen = subprocess.run(["runuser", "-u", hub.user("anna"), "--", "ls", str(course_folder)],
                          capture_output=True, text=True)
    assert seen.returncode != 0
    # the instructor reads who was late, and may fill in the written-answer sheet, in her shell
    late = subprocess.run(["runuser", "-u", hub.user("li"), "--", "cat", str(
        course_folder / "graded" / EXERCISE / "hand-ins.csv")], capture_output=True, text=True)
    assert late.returncode == 0 and f"{hub.user('ben')}," in late.stdout


def test_no_trainee_can_read_the_exercises_solutions(hub):
    """Not in the kit's checkout (files or git history) nor in the course folder's copy; the
    instructor can, in the course folder."""
    source = hub.state / "course" / "exercises" / "source" / f"{EXERCISE}.ipynb"
    for path in (SOURCE, REPO / ".git" / "HEAD", source):
        seen = _as(hub, "anna", "cat", str(path))
        assert seen.returncode != 0 and "Permission denied" in seen.stderr, path
    read = _as(hub, "li", "cat", str(source))
    assert read.returncode == 0 and "BEGIN HIDDEN TESTS" in read.stdout


def test_a_notebook_that_will_not_stop_leaves_nothing_running_as_the_grader(hub):
    """The course service's user cannot kill a kernel running as a grader's user, and sudo
    cannot pass a kill on: the kernel must end with sudo all the same."""
    graded = _grade_as_the_course_service(hub, {"dan": _with_first_cell(
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass")},
        "--timeout", "2")
    assert "would not stop" in graded["dan"]
    graders = ",".join(hub.user(f"grader-{n}") for n in range(1, 5))
    for _ in range(50):
        left = subprocess.run(["pgrep", "-u", graders], capture_output=True,
                              text=True).stdout.split()
        if not left:
            break
        time.sleep(0.1)
    assert not left, f"still running as a grader: {left}"


def test_a_notebook_cannot_reach_the_kernel_graded_beside_it(hub):
    """Erin's notebook looks for the next trainee's kernel, which waits ahead for its notebook:
    its folder (with the key to its kernel) belongs to another grader's user."""
    peek = """import os, time
mine = os.environ["HOME"]
owner = os.stat(mine).st_uid
for _ in range(300):
    beside = [os.path.join("/tmp", d) for d in os.listdir("/tmp") if d.startswith(
        "minichain-grade-") and os.path.join("/tmp", d) != mine
        and os.stat(os.path.join("/tmp", d)).st_uid == owner]
    if beside:
        break
    time.sleep(0.1)
try:
    os.listdir(beside[0])
    outcome = "opened the folder of the kernel beside it"
except PermissionError:
    outcome = "the folder of the kernel beside it is closed"
raise RuntimeError(outcome)"""
    graded = _grade_as_the_course_service(hub, {"erin": _with_first_cell(peek),
                                                "fay": solved()}, "-j", "1")
    assert "the folder of the kernel beside it is closed" in graded["erin"], graded["erin"]


# -- steps ---------------------------------------------------------------------------------------

def _as(hub, name: str, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", hub.user(name), "--", *command],
                          capture_output=True, text=True, cwd="/", timeout=300)


def _with_first_cell(code: str) -> dict:
    notebook = solved()
    notebook["cells"].insert(0, {"cell_type": "code", "id": "first", "metadata": {},
                                 "execution_count": None, "outputs": [], "source": code})
    return notebook


def _grade_as_the_course_service(hub, notebooks: dict[str, dict], *options: str
                                 ) -> dict[str, str]:
    """`minichain grade --kernel-user <the four graders>` run as the course service's user;
    each trainee's feedback page."""
    work = Path(tempfile.mkdtemp(prefix="minichain-class-"))
    for name, notebook in notebooks.items():
        (work / f"{name}.ipynb").write_text(json.dumps(notebook))
    shutil.chown(work, hub.user("course"))
    source = hub.state / "course" / "exercises" / "source" / f"{EXERCISE}.ipynb"
    graders = ",".join(hub.user(f"grader-{n}") for n in range(1, 5))
    try:
        graded = _as(hub, "course", str(hub.state / "venv" / "bin" / "minichain"), "grade",
                     str(source), *(str(work / f"{name}.ipynb") for name in notebooks),
                     "--out", str(work / "out"), "--kernel-user", graders, *options)
        assert graded.returncode == 0, graded.stderr
        return {name: (work / "out" / "feedback" / f"{name}.html").read_text()
                for name in notebooks}
    finally:
        shutil.rmtree(work)


def _peek_at_the_course_folder(hub) -> dict:
    hand_ins = hub.state / "course" / "collected" / EXERCISE / "hand-ins.json"
    return {"cell_type": "code", "id": "peek", "metadata": {}, "execution_count": None,
            "outputs": [], "source": f"print(open({str(hand_ins)!r}).read())"}


def _save_as_into_handed_in(hub, browser, artifacts) -> None:
    anna = Trainee(hub, browser, "anna", artifacts)
    anna.lab.name = f"exercises/{EXERCISE}.ipynb"
    try:
        anna.sign_in()
        anna.lab.page.wait_for_url("**/lab**", timeout=180_000)
        anna.lab.open()
        anna.lab.screenshot("her-exercise")
        anna.lab.page.locator(".jp-Notebook").first.click()
        anna.lab.page.keyboard.press("Control+Shift+S")  # File ▸ Save Notebook As…
        dialog = anna.lab.page.locator(".jp-Dialog")
        field = dialog.locator("input")
        field.fill(f"handed-in/{EXERCISE}.ipynb")
        dialog.locator(".jp-mod-accept").click()
        anna.lab.page.wait_for_timeout(500)
        anna.lab.screenshot("handed-in")
    finally:
        anna.lab.close()
    handed_in = hub.home("anna") / "handed-in" / f"{EXERCISE}.ipynb"
    for _ in range(60):
        if handed_in.exists():
            break
        time.sleep(0.5)
    assert handed_in.exists(), "Save As did not put her notebook into handed-in/"


def _try_collect(hub, instructor, deadline) -> dict:
    import requests

    try:
        reply = requests.post(f"{hub.url}/services/course/api/collect", headers=instructor,
                              json={"exercise": "01", "deadline": deadline.isoformat()},
                              timeout=300)
        return {"status": reply.status_code}
    except requests.RequestException as error:
        return {"status": type(error).__name__}


def _kill_the_service_once_anna_is_collected(hub, collected: Path) -> None:
    for _ in range(600):
        hand_ins = collected / "hand-ins.json"
        if hand_ins.exists() and hub.user("anna") in hand_ins.read_text():
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the collection never reached Anna")
    found = subprocess.run(["pgrep", "-f", "minichain.classroom.service"], capture_output=True,
                           text=True).stdout.split()
    assert found, "the course service is not running"
    for pid in found:
        os.kill(int(pid), signal.SIGKILL)


def _collect_when_the_service_is_back(hub, instructor, deadline) -> dict:
    import requests

    for _ in range(240):  # the hub polls its services and starts a dead one again
        try:
            reply = requests.post(f"{hub.url}/services/course/api/collect", headers=instructor,
                                  json={"exercise": "01", "deadline": deadline.isoformat()},
                                  timeout=300)
            if reply.status_code == 200:
                return reply.json()
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError("the hub did not start the course service again:\n" + hub.log())


def test_the_instructor_sees_the_course_in_her_browser(hub, browser, artifacts, instructor):
    """After the API calls above, the status page (the hub's login, then the service's OAuth)."""
    li = Trainee(hub, browser, "li", artifacts)
    try:
        li.sign_in()
        li.lab.page.wait_for_url("**/user/**", timeout=180_000)
        li.lab.page.goto(f"{hub.url}/services/course/")
        row = li.lab.page.locator("tr", has_text=EXERCISE)
        row.wait_for()
        assert row.locator("td").all_inner_texts() == [EXERCISE, "3", "yes"]
        li.lab.screenshot("course-status")
    finally:
        li.lab.close()
    anna = Trainee(hub, browser, "anna", artifacts)
    try:
        anna.sign_in()
        anna.lab.page.wait_for_url("**/user/**", timeout=180_000)
        reply = anna.lab.page.goto(f"{hub.url}/services/course/")
        assert reply.status == 403 or "403" in anna.lab.page.content()
    finally:
        anna.lab.close()
