"""The browser edition's site served as static files on 127.0.0.1, as a company's web server
would serve it: what `jupyterlab_driver.LessonPage` asks of a JupyterLab server, for a site that
has none (the kernel runs in the page)."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

__all__ = ["SiteServer"]


class SiteServer:
    """site/ served by Python's own static file server on 127.0.0.1."""

    language = "en"

    def __init__(self, root: Path):
        self.root = root
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def lesson_url(self, name: str, workspace: str) -> str:
        return f"{self.url}/lab/index.html?path={name}"

    def start_kernel(self, name: str) -> None:
        """The kernel starts in the page itself when the notebook opens."""

    def shut_down_kernels(self) -> None:
        """The kernel goes with the page."""

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass
