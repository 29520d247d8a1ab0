"""Fixtures for the browser tests: one JupyterLab server and one Chromium per test session.

Whether the tests run is decided by `MINICHAIN_BROWSER_TESTS`:

- `auto` (the default on a trainee's machine): run if Chromium is installed, otherwise skip
  with the reason, so `make test` never needs root;
- `require` (the default when `CI` is set, and what `.ci/run` sets): a missing browser is a
  failure, not a skip;
- `skip`: do not run them.

The browser is Debian's Chromium at `/usr/bin/chromium` (`make browser` installs it with apt);
`MINICHAIN_CHROMIUM` points elsewhere. Playwright drives it; its own browser downloads are never
used. Screenshots go to `test-artifacts/browser/<lesson>/` (git-ignored), or to
`MINICHAIN_ARTIFACTS` if set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from jupyterlab_driver import CHROMIUM_ARGS, LabServer  # noqa: E402
from site_server import SiteServer  # noqa: E402

REPO = HERE.parent.parent
LESSONS = REPO / "lessons"
CHROMIUM = Path(os.environ.get("MINICHAIN_CHROMIUM", "/usr/bin/chromium"))
INSTALL_HINT = ("install it with `make browser` (runs `apt-get install chromium` as root), "
                "or set MINICHAIN_BROWSER_TESTS=skip")


def browser_mode() -> str:
    mode = os.environ.get("MINICHAIN_BROWSER_TESTS", "").strip().lower()
    if mode in ("auto", "require", "skip"):
        return mode
    if mode:
        raise pytest.UsageError(f"MINICHAIN_BROWSER_TESTS={mode!r}: use auto, require or skip")
    return "require" if os.environ.get("CI", "").lower() not in ("", "0", "false") else "auto"


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: runs JupyterLab in a real browser (Chromium)")


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The browser's path, or a skip (a failure under `require`) saying why it is missing."""
    mode = browser_mode()
    if mode == "skip":
        pytest.skip("browser tests switched off (MINICHAIN_BROWSER_TESTS=skip)")
    problem = None
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        problem = f"Chromium not found at {CHROMIUM}: {INSTALL_HINT}"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing: run `make test` to install it"
    if problem:
        if mode == "require":
            pytest.fail(f"browser tests are required here (MINICHAIN_BROWSER_TESTS=require "
                        f"or CI is set), but {problem}", pytrace=False)
        pytest.skip(problem)
    return CHROMIUM


@pytest.fixture(scope="session")
def lab(chromium):
    """JupyterLab serving a temporary copy of lessons/, stopped (with its kernels) at the end."""
    server = LabServer(LESSONS, jupyter=Path(sys.executable).with_name("jupyter"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def site(chromium, tmp_path_factory) -> Path:
    """The browser edition's site, built once per test session (per worker) with the project's
    own command, into a folder of the session's, so a trainee's own site/ is left alone."""
    output = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, str(REPO / "tools" / "build_site.py"), "--output",
                    str(output)], check=True, cwd=REPO)
    return output


@pytest.fixture(scope="session")
def site_server(site):
    """The site served as static files on 127.0.0.1."""
    server = SiteServer(site)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS,
                                             headless=True)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = Path(os.environ.get("MINICHAIN_ARTIFACTS", REPO / "test-artifacts")) / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def lesson_artifacts(artifacts, request) -> Path:
    """A clean folder for one lesson's screenshots."""
    lesson = request.node.callspec.params["lesson"]
    path = artifacts / Path(lesson).stem
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
