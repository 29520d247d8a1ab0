"""The course's hand-out, collection and return, with the hub and the trainees' servers played by
a small stand-in (the real hub runs in tests/browser/test_class_server.py): what an instructor
relies on when a trainee's server is down, when the service stops half-way through a
collection, and when a hand-in comes late."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

pytest.importorskip("jupyterhub")

from minichain.classroom.course import Course, CourseError  # noqa: E402
from minichain.classroom.trainee_files import ServerNotRunning, TraineeFilesError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = "01-fingerprints-and-tamper-evidence"
NOON = datetime(2026, 12, 11, 12, 0, tzinfo=timezone.utc)


class Home:
    """One trainee's files as her server shows them: path -> (text, last modified)."""

    def __init__(self, trainee: str):
        self.trainee = trainee
        self.files: dict[str, tuple[str, str]] = {}
        self.folders: set[str] = set()
        self.broken_after_reads: int | None = None

    def read_bytes(self, path):
        if self.broken_after_reads is not None:
            if self.broken_after_reads == 0:
                raise TraineeFilesError(f"reading {path} in {self.trainee}'s home: no answer")
            self.broken_after_reads -= 1
        found = self.files.get(path)
        return None if found is None else (found[0].encode(), found[1])

    def exists(self, path):
        return path in self.files or path in self.folders

    def make_folder(self, path):
        self.folders.add(path)

    def put_notebook(self, path, notebook):
        self.files[path] = (json.dumps(notebook), NOON.isoformat())

    def put_text(self, path, text):
        self.files[path] = (text, NOON.isoformat())

    def hand_in(self, text: str, when: datetime) -> None:
        self.files[f"handed-in/{EXERCISE}.ipynb"] = (text, when.isoformat())


class StandInHub:
    def __init__(self, *trainees: str):
        self.homes = {name: Home(name) for name in trainees}
        self.down: set[str] = set()

    def members(self, group):
        return sorted(self.homes)

    def ensure_running(self, name):
        if name in self.down:
            raise ServerNotRunning(f"{name}'s server did not start within 120 s")

    def files_of(self, name):
        return self.homes[name]


@pytest.fixture
def shop_class(tmp_path):
    hub = StandInHub("anna", "ben", "cara")
    return hub, Course(folder=tmp_path / "course", exercises=ROOT / "exercises", hub=hub)


def statuses(outcomes):
    return {o.trainee: o.status for o in outcomes}


def test_handing_out_never_overwrites_a_trainees_work(shop_class):
    hub, course = shop_class
    assert statuses(course.release("01")) == dict.fromkeys(("anna", "ben", "cara"), "released")
    hub.homes["anna"].files[f"exercises/{EXERCISE}.ipynb"] = ("her answers", NOON.isoformat())
    again = course.release("1")
    assert statuses(again)["anna"] == "kept"
    assert hub.homes["anna"].files[f"exercises/{EXERCISE}.ipynb"][0] == "her answers"
    assert {"exercises", "handed-in", "feedback"} <= hub.homes["ben"].folders


def test_an_unknown_exercise_names_the_ones_there_are(shop_class):
    _, course = shop_class
    with pytest.raises(CourseError, match="there is no exercise '99'.*01, 02"):
        course.release("99")


def test_a_collection_cut_short_collects_each_hand_in_exactly_once_when_run_again(shop_class):
    hub, course = shop_class
    for name in ("anna", "ben", "cara"):
        hub.homes[name].hand_in(f'{{"by": "{name}"}}', NOON - timedelta(hours=1))
    hub.homes["ben"].broken_after_reads = 0  # the service loses Ben's server mid-collection
    first = course.collect("01", deadline=NOON)
    assert statuses(first) == {"anna": "collected", "ben": "skipped", "cara": "collected"}

    hub.homes["ben"].broken_after_reads = None
    second = course.collect("01", deadline=NOON)
    assert statuses(second) == {"anna": "already-collected", "ben": "collected",
                                "cara": "already-collected"}
    folder = course.folder / "collected" / EXERCISE
    assert sorted(p.name for p in folder.glob("*.ipynb")) == ["anna.ipynb", "ben.ipynb",
                                                              "cara.ipynb"]
    assert (folder / "ben.ipynb").read_text() == '{"by": "ben"}'
    assert not list(folder.glob(".*.partial"))


def test_a_late_hand_in_is_marked_and_a_newer_one_replaces_the_older(shop_class):
    hub, course = shop_class
    hub.homes["anna"].hand_in("first try", NOON - timedelta(minutes=5))
    hub.homes["ben"].hand_in("after the bell", NOON + timedelta(minutes=3))
    outcomes = {o.trainee: o for o in course.collect("01", deadline=NOON)}
    assert outcomes["ben"].status == "late" and "2026-12-11 12:03 UTC" in outcomes["ben"].note
    assert outcomes["cara"].status == "not-handed-in"

    hub.homes["anna"].hand_in("second try", NOON - timedelta(minutes=1))
    assert statuses(course.collect("01", deadline=NOON))["anna"] == "collected"
    folder = course.folder / "collected" / EXERCISE
    assert (folder / "anna.ipynb").read_text() == "second try"
    hand_ins = json.loads((folder / "hand-ins.json").read_text())
    assert hand_ins["anna"]["late"] is False and hand_ins["ben"]["late"] is True
    assert "cara" not in hand_ins


def test_a_server_that_will_not_start_is_skipped_with_a_note_and_the_class_goes_on(shop_class):
    hub, course = shop_class
    hub.down.add("ben")
    outcomes = {o.trainee: o for o in course.release("01")}
    assert outcomes["ben"].status == "skipped" and "did not start" in outcomes["ben"].note
    assert outcomes["anna"].status == outcomes["cara"].status == "released"


def test_grading_before_collecting_and_returning_before_grading_say_what_to_do_first(shop_class):
    _, course = shop_class
    with pytest.raises(CourseError, match="collect it first"):
        course.grade("01")
    with pytest.raises(CourseError, match="grade it first"):
        course.give_back("01")


def test_feedback_goes_back_only_to_those_who_were_graded(shop_class):
    hub, course = shop_class
    pages = course.folder / "graded" / EXERCISE / "feedback"
    pages.mkdir(parents=True)
    (pages / "anna.html").write_text("<p>well done</p>")
    outcomes = statuses(course.give_back("01"))
    assert outcomes == {"anna": "returned", "ben": "no-feedback", "cara": "no-feedback"}
    assert hub.homes["anna"].files[f"feedback/{EXERCISE}.html"][0] == "<p>well done</p>"
    assert f"feedback/{EXERCISE}.html" not in hub.homes["ben"].files


@pytest.mark.parametrize("deadline, problem", [
    ("Friday evening", "is not a date and time like"),
    ("2026-12-11T18:00", "time zone"),
])
def test_a_deadline_must_be_a_moment_anywhere_in_the_world(deadline, problem):
    from tornado.web import HTTPError

    from minichain.classroom.service import _deadline

    with pytest.raises(HTTPError) as refused:
        _deadline(deadline)
    assert refused.value.status_code == 400 and problem in refused.value.reason
    assert _deadline("2026-12-11T18:00+08:00") == NOON - timedelta(hours=2)


def test_the_course_command_outside_the_class_server_says_where_to_run_it(monkeypatch, capsys):
    from minichain.cli import main

    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    monkeypatch.delenv("MINICHAIN_HUB_URL", raising=False)
    assert main(["course", "release", "01"]) == 1
    assert "terminal of your JupyterLab on the class server" in capsys.readouterr().err


def test_the_course_command_reports_the_services_refusal(monkeypatch, capsys):
    """An instructor whose token the course service refuses reads the service's reason."""
    import http.server
    import threading

    class Refusing(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(400)
            self.end_headers()
            self.wfile.write(b'{"error": "there is no exercise \'99\'; the exercises are: 01"}')

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.handle_request, daemon=True).start()
    from minichain.cli import main

    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "a-token")
    try:
        code = main(["course", "release", "99", "--hub", f"http://127.0.0.1:{server.server_port}"])
    finally:
        server.server_close()
    assert code == 1
    assert "there is no exercise '99'" in capsys.readouterr().err


def test_a_hub_name_that_would_be_a_path_is_left_out_of_the_course_folder(tmp_path):
    hub = StandInHub("anna", "../../etc/cron.d/x", "li.wei@shop.example")
    course = Course(folder=tmp_path / "course", exercises=ROOT / "exercises", hub=hub)
    for name in hub.homes:
        hub.homes[name].hand_in("{}", NOON)
    outcomes = statuses(course.collect("01", deadline=NOON))
    assert outcomes == {"anna": "collected", "../../etc/cron.d/x": "skipped",
                        "li.wei@shop.example": "collected"}
    assert sorted(p.name for p in (tmp_path / "course").rglob("*.ipynb")) == [
        "anna.ipynb", "li.wei@shop.example.ipynb"]


def test_an_on_time_hand_in_is_never_replaced_by_a_change_after_the_deadline(shop_class):
    hub, course = shop_class
    hub.homes["anna"].hand_in("on time", NOON - timedelta(minutes=1))
    assert statuses(course.collect("01", deadline=NOON))["anna"] == "collected"
    hub.homes["anna"].hand_in("fiddled with afterwards", NOON + timedelta(minutes=20))
    again = {o.trainee: o for o in course.collect("01", deadline=NOON)}
    assert again["anna"].status == "kept-on-time"
    folder = course.folder / "collected" / EXERCISE
    assert (folder / "anna.ipynb").read_text() == "on time"
    assert (folder / "after-the-deadline" / "anna.ipynb").read_text() == \
        "fiddled with afterwards"
    assert statuses(course.collect("01", deadline=NOON))["anna"] == "already-collected"
    assert not json.loads((folder / "hand-ins.json").read_text())["anna"]["late"]
