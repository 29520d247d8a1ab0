"""JupyterLab and Chromium, driven the way a trainee uses them (for the browser tests).

`LabServer` starts a real JupyterLab on 127.0.0.1 with a random token, serving a *copy* of the
lessons from a temporary directory (so nothing the browser does can save over a lesson), with
its own Jupyter config, data, runtime, settings and workspace directories (so neither the
user's JupyterLab set-up nor the news feed is involved). `LessonPage` is one lesson open in a
fresh browser context: it clears the saved outputs, runs every cell through the Run menu, waits
until the kernel is idle again, and reports what the page shows.

The facts this relies on were measured on JupyterLab 4.6 + ipywidgets 8.1 in Chromium
(DESIGN.md section 13): a Run All sent before the status bar says "| Idle" is lost; "Run All
Cells" is in the Run menu (it has no default shortcut); widget slider handles are
`.widget-slider .noUi-handle`.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CHROMIUM_ARGS", "LabServer", "LessonPage", "expose_jupyterlite_app",
           "widget_outputs_saved"]

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]

# JupyterLab user settings for the test server only: no news or update checks (no network),
# no toasts, and every cell attached to the page (the default "contentVisibility" windowing
# skips rendering cells out of view, which would hide their outputs from the checks).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

# The kernel of the notebook in front (undefined if none), read from the app.
_KERNEL_IN_FRONT = """
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;"""

# The notebook in front has a kernel and it is idle (read from the app, in any language).
KERNEL_IS_IDLE = """() => {%s
    return !!kernel && kernel.status === 'idle';
}""" % _KERNEL_IN_FRONT

# Everything the page sent the kernel has been answered and the kernel is idle. A widget holds
# a new value back while its previous message is unanswered and sends it with that answer, but a
# button's click is never held back: clicking before this is true can reach the kernel ahead of
# a value typed, chosen or slid just before (ipywidgets' message throttling; lesson 03's fee and
# lesson 04's difficulty each lost that race once in CI).
KERNEL_HAS_CAUGHT_UP = """() => {%s
    if (kernel && !(kernel._futures instanceof Map)) {
        throw new Error('the kernel connection has no _futures map: @jupyterlab/services changed');
    }
    // a request stays in _futures while a cell shows its output; flag 4 (IsDone) says it was
    // answered (KernelFutureHandler in @jupyterlab/services)
    return !!kernel && kernel.status === 'idle'
        && [...kernel._futures.values()].every(future => (future._status & 4) !== 0);
}""".replace("%s", _KERNEL_IN_FRONT, 1)

# Save the notebook in front with JupyterLab's save command (what Ctrl+S runs) and read it back
# through the page's own contents service: the notebook exactly as it was stored (JupyterLite
# stores it in the browser's IndexedDB; a JupyterLab server writes the file).
SAVE_AND_READ_BACK = """async () => {
    const app = window.jupyterapp;
    if (!app) {
        throw new Error('window.jupyterapp is not there: expose the app first');
    }
    const panel = app.shell.currentWidget;
    const contents = app.serviceManager.contents;
    const before = await contents.get(panel.context.path, {content: false});
    await app.commands.execute('docmanager:save');
    if (panel.context.model.dirty) {
        throw new Error('the notebook is still marked unsaved after the save command');
    }
    const saved = await contents.get(panel.context.path, {content: true});
    if (saved.last_modified === before.last_modified) {  // not the site's own copy read back
        throw new Error('the save stored no new version: still ' + before.last_modified);
    }
    return saved.content;
}"""

# Seconds. Generous, because a fresh CI machine is slower than this one on its first start.
SERVER_START = 90
KERNEL_IDLE = 90
RUN_ALL = 180


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def widget_outputs_saved(notebook: Path) -> int:
    """How many widgets the lesson displays, counted in its saved (executed) outputs."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return sum(WIDGET_MIME in output.get("data", {})
               for cell in cells if cell["cell_type"] == "code"
               for output in cell.get("outputs", []))


def expose_jupyterlite_app(context) -> None:
    """Have the JupyterLite pages of this browser context set `window.jupyterapp`, by adding
    the page-config option `exposeAppInBrowser` (the one `--LabApp.expose_app_in_browser` sets
    on a JupyterLab server, read by JupyterLite's app from jupyter-lite.json) to each
    jupyter-lite.json as the page fetches it; the site itself stays as a trainee gets it.

    Call it before the page opens. It holds for a fresh context: JupyterLite's service worker,
    which would answer later fetches itself, does not control a page's first load."""

    def add_option(route) -> None:
        response = route.fetch()
        config = response.json()
        config.setdefault("jupyter-config-data", {})["exposeAppInBrowser"] = "true"
        route.fulfill(response=response, json=config)

    context.route(re.compile(r"/jupyter-lite\.json(\?.*)?$"), add_option)


class LabServer:
    """One JupyterLab server over a temporary copy of `lessons`, stopped by `stop()`.

    With `language="zh_CN"` it is started the way `make lab-zh` starts it, through
    `minichain lab --lang zh_CN` (JupyterLab's interface in Chinese, the kernels told so), and
    the copy keeps its folder's name (zh_CN), by which a lesson's first cell picks its language.
    The page is then driven by JupyterLab's command ids, not by menu text."""

    def __init__(self, lessons: Path, jupyter: Path | None = None, language: str = "en"):
        self.language = language
        self.home = Path(tempfile.mkdtemp(prefix="minichain-browser-"))
        self.root = self.home / lessons.name
        shutil.copytree(lessons, self.root, ignore=shutil.ignore_patterns(
            "conftest.py", "__pycache__", ".ipynb_checkpoints"))
        settings = self.home / "settings"
        for name, values in LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values), encoding="utf-8")
        self.token = secrets.token_hex(16)
        self.log_path = self.home / "jupyterlab.log"
        self._log = open(self.log_path, "w", encoding="utf-8")
        jupyter = jupyter or Path(sys.executable).with_name("jupyter")
        self.env = dict(os.environ,
                        JUPYTER_CONFIG_DIR=str(self.home / "config"),
                        JUPYTER_DATA_DIR=str(self.home / "data"),
                        JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
                        JUPYTERLAB_SETTINGS_DIR=str(settings),
                        JUPYTERLAB_WORKSPACES_DIR=str(self.home / "workspaces"),
                        IPYTHONDIR=str(self.home / "ipython"),
                        JUPYTER_PLATFORM_DIRS="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
        self.process: subprocess.Popen | None = None
        atexit.register(self.stop)  # in case pytest is interrupted before its teardown
        try:
            for attempt in range(3):  # a free port may be taken before JupyterLab binds it
                self.port = free_port()
                self.url = f"http://127.0.0.1:{self.port}"
                self._start(jupyter)
                if self._wait_until_up():
                    return
            raise RuntimeError("JupyterLab could not bind a port three times:\n" + self.log())
        except BaseException:
            self.stop()
            raise

    def _start(self, jupyter: Path) -> None:
        options = ["--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                   "--ServerApp.port_retries=0", f"--ServerApp.token={self.token}",
                   "--allow-root",
                   "--ServerApp.open_browser=False", "--LabApp.news_url=None",
                   "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                   "--LabApp.expose_app_in_browser=True"]  # window.jupyterapp, for the checks
        if self.language == "en":
            command = [str(jupyter), "lab", f"--ServerApp.root_dir={self.root}", *options]
        else:  # as `make lab-zh` does; `minichain lab` execs JupyterLab in its own place
            command = [str(jupyter.with_name("minichain")), "lab", "--lang", self.language,
                       str(self.root), "--", *options]
        # `jupyter lab` (and `minichain lab`) exec jupyter-lab in place, so this PID is the
        # server's own. Its own session: a Ctrl-C meant for pytest does not reach it half-way
        # through a test.
        self.process = subprocess.Popen(command, env=self.env, cwd=self.root, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def api(self, path: str, method: str = "GET", body: object = None) -> object:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method, data=data,
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def _wait_until_up(self) -> bool:
        """True once the server answers; False if it exited because its port was taken."""
        deadline = time.monotonic() + SERVER_START
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "is already in use" in self.log():
                    return False
                raise RuntimeError(f"JupyterLab exited with code {self.process.returncode}:\n"
                                   + self.log())
            try:
                self.api("status")
                return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        raise RuntimeError(f"JupyterLab did not answer within {SERVER_START} s:\n" + self.log())

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]

    def lesson_url(self, name: str, workspace: str) -> str:
        """The lesson in its own empty workspace (no tabs left over from other lessons)."""
        return f"{self.url}/lab/workspaces/{workspace}/tree/{name}?reset&token={self.token}"

    def start_kernel(self, name: str) -> None:
        """Start the lesson's kernel now, as if it had been opened before: JupyterLab connects
        to it when the page opens the lesson, so the kernel starts while the page loads."""
        self.api("sessions", method="POST", body={
            "path": name, "name": name, "type": "notebook", "kernel": {"name": "python3"}})

    def shut_down_kernels(self) -> None:
        for session in self.api("sessions") or []:
            self.api(f"sessions/{session['id']}", method="DELETE")

    def stop(self) -> None:
        """Stop the server (it shuts its kernels down), then remove the temporary copy."""
        if self.process is not None and self.process.poll() is None:
            try:
                self.shut_down_kernels()
            except (OSError, urllib.error.URLError, ValueError):
                pass
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()
        shutil.rmtree(self.home, ignore_errors=True)
        atexit.unregister(self.stop)


@dataclass
class PageReport:
    """What the page shows after Run All."""

    code_cells: int
    prompts: list[str]
    errors: list[str] = field(default_factory=list)
    widget_problems: list[str] = field(default_factory=list)
    widgets: int = 0


class LessonPage:
    """One lesson open in JupyterLab in its own browser context."""

    def __init__(self, browser, server: LabServer, name: str, *, artifacts: Path):
        self.server, self.name = server, name
        self.artifacts = artifacts
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.context = browser.new_context(viewport={"width": 1400, "height": 1600})
        self.context.set_default_timeout(30_000)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on("pageerror", lambda error: self.console.append(str(error)))
        self.shots = 0

    # -- what a trainee does ---------------------------------------------------------------------
    def open(self) -> None:
        workspace = re.sub(r"[^A-Za-z0-9]+", "-", Path(self.name).stem)
        self.server.start_kernel(self.name)
        self.page.goto(self.server.lesson_url(self.name, workspace))
        self.wait_for_idle_kernel()

    def command(self, command_id: str) -> None:
        """Run one of JupyterLab's commands by its id (the same in every interface language)."""
        self.page.evaluate("id => window.jupyterapp.commands.execute(id)", command_id)

    def menu(self, menu: str, item: str) -> None:
        self.page.locator(".lm-MenuBar-item", has_text=re.compile(rf"^{menu}$")).click()
        self.page.get_by_role("menuitem", name=item, exact=True).click()

    def dismiss_toasts(self) -> None:
        for close in self.page.locator(".Toastify__close-button").all():
            try:
                close.click(timeout=1000)
            except Exception:  # a toast that closes itself meanwhile is fine
                pass

    def wait_until_the_kernel_has_caught_up(self, timeout: float = KERNEL_IDLE) -> None:
        """Before a click: every widget value changed so far has reached the kernel."""
        self.page.wait_for_function(KERNEL_HAS_CAUGHT_UP, timeout=timeout * 1000, polling=100)

    def wait_for_idle_kernel(self, timeout: float = KERNEL_IDLE) -> None:
        if self.server.language == "en":
            self.page.locator(".jp-StatusBar-Item", has_text="| Idle").first.wait_for(
                timeout=timeout * 1000)
        else:
            self.page.wait_for_function(KERNEL_IS_IDLE, timeout=timeout * 1000, polling=250)

    def run_all(self) -> None:
        """Clear the saved outputs (so whatever shows next comes from this kernel), then run
        every cell through the Run menu and wait for the last one to finish."""
        self.dismiss_toasts()
        english = self.server.language == "en"
        if english:
            self.menu("Edit", "Clear Outputs of All Cells")
        else:
            self.command("notebook:clear-all-cell-outputs")
        self.page.wait_for_function(
            """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                     .every(p => p.textContent.trim() === '[ ]:')""")
        if english:
            self.menu("Run", "Run All Cells")
        else:
            self.command("notebook:run-all-cells")
        # Finished: no cell waiting ("[*]"), the kernel idle, and either every code cell
        # numbered or an error shown (JupyterLab stops a Run All at the first error).
        self.page.wait_for_function(
            """() => {
                const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                    .map(p => p.textContent.trim());
                const idle = window.jupyterapp ? (%s)() :
                    [...document.querySelectorAll('.jp-StatusBar-Item')]
                    .some(s => s.textContent.includes('| Idle'));
                const error = document.querySelector(
                    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
                return idle && !prompts.includes('[*]:')
                    && (error !== null || prompts.every(p => /^\\[\\d+\\]:$/.test(p)));
            }""" % KERNEL_IS_IDLE, timeout=RUN_ALL * 1000, polling=250)
        self.dismiss_toasts()

    # -- what the page shows ---------------------------------------------------------------------
    def top_level_widgets(self):
        """Each widget a cell displays (not the widgets inside it)."""
        return self.page.locator(".jp-Cell-outputArea > .jp-OutputArea-child > "
                                 ".jp-OutputArea-output > .jupyter-widgets")

    def report(self) -> PageReport:
        prompts = [p.strip() for p in self.page.locator(
            ".jp-CodeCell .jp-InputPrompt").all_text_contents()]
        errors = self.page.locator('.jp-OutputArea-output[data-mime-type='
                                   '"application/vnd.jupyter.stderr"]').all_inner_texts()
        problems = []
        for text in ("Error displaying widget", "Loading widget", "Model not found",
                     "Failed to load model class"):
            count = self.page.locator(".jp-OutputArea").get_by_text(text).count()
            if count:
                problems.append(f"{count} × {text!r}")
        broken = self.page.locator(".jupyter-widgets-error-widget").count()
        if broken:
            problems.append(f"{broken} widget(s) drawn as an error")
        widgets = self.top_level_widgets()
        for index in range(widgets.count()):
            box = widgets.nth(index).bounding_box()
            if not box or box["height"] < 10 or box["width"] < 10:
                problems.append(f"widget {index + 1} is empty on the page ({box})")
        return PageReport(code_cells=len(prompts), prompts=prompts, errors=errors,
                          widget_problems=problems, widgets=widgets.count())

    def widget_of_cell(self, source: str, nth: int = 0):
        """The widget displayed by the `nth` code cell whose source contains `source` and that
        displays a widget."""
        cell = self.page.locator(".jp-CodeCell").filter(
            has=self.page.locator(".jp-InputArea", has_text=source)).filter(
            has=self.page.locator(".jp-Cell-outputArea .jupyter-widgets")).nth(nth)
        return cell.locator(".jp-Cell-outputArea > .jp-OutputArea-child > "
                            ".jp-OutputArea-output > .jupyter-widgets").first

    def saved_notebook(self) -> dict:
        """Save the lesson as a trainee does and return the notebook (nbformat JSON) as the
        page's contents service stored it, outputs included. Needs `window.jupyterapp` (a
        server started with `--LabApp.expose_app_in_browser=True`, or
        `expose_jupyterlite_app`)."""
        return self.page.evaluate(SAVE_AND_READ_BACK)

    # -- artefacts -------------------------------------------------------------------------------
    def screenshot(self, label: str, element=None) -> Path:
        """The viewport (scrolled to `element` if given) as test-artifacts/…/NN-label.png."""
        self.shots += 1
        path = self.artifacts / f"{self.shots:02d}-{label}.png"
        if element is not None:
            element.scroll_into_view_if_needed()
            element.evaluate("e => e.scrollIntoView({block: 'start'})")
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        try:
            self.context.close()
        finally:
            try:
                self.server.shut_down_kernels()
            except (OSError, urllib.error.URLError, ValueError):
                pass
