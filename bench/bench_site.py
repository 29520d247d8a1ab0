"""The browser edition as a trainee first meets it: the site's size, and how long lesson 01
takes from opening its link to a Python kernel ready in the page (Pyodide downloaded, compiled
and started; the packages the lesson imports loaded), with the browser's cache empty (the first
visit) and then full (every later visit), side by side in one run; then Run All of lesson 01.

Needs Chromium (`make browser`) and npm (`make site`'s Pyodide); the site is built with
tools/build_site.py into a temporary folder and served on 127.0.0.1 by Python's static server.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("MINICHAIN_CHROMIUM", "/usr/bin/chromium"))
LESSON = "lessons/01-fingerprints-and-tamper-evidence.ipynb"
IDLE = ".jp-StatusBar-Item:has-text('| Idle')"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    served = 0  # bytes of files sent, for what a first visit downloads

    def log_message(self, *args) -> None:
        pass

    def copyfile(self, source, outputfile) -> None:
        start = source.tell()
        super().copyfile(source, outputfile)
        _Quiet.served += source.tell() - start


def _serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _kernel_ready(page, url: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.locator(IDLE).first.wait_for(timeout=300_000)
    page.wait_for_function("() => document.querySelectorAll('.jp-Notebook .jp-Cell').length > 0")
    return time.perf_counter() - start


def _run_all(page) -> float:
    start = time.perf_counter()
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(
        """() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                   return p.length && p.every(x => /\\[\\d+\\]/.test(x.textContent)); }""",
        timeout=600_000, polling=250)
    return time.perf_counter() - start


def main() -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("skipped: playwright is not installed (make test installs it)")
        return
    if not CHROMIUM.exists():
        print(f"skipped: no Chromium at {CHROMIUM} (make browser installs it)")
        return
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        subprocess.run([sys.executable, str(ROOT / "tools" / "build_site.py"), "--output",
                        str(site)], check=True, capture_output=True)
        size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
        files = sum(1 for p in site.rglob("*") if p.is_file())
        server, base = _serve(site)
        url = f"{base}/lab/index.html?path={LESSON}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(viewport={"width": 1400, "height": 1600})
            page = context.new_page()
            first = _kernel_ready(page, url)
            downloaded = _Quiet.served
            page.close()
            page = context.new_page()  # same context: the browser's cache is warm
            again = _kernel_ready(page, url)
            run_all = _run_all(page)
            browser.close()
        server.shutdown()
    print(f"site: {size / 1e6:.0f} MB in {files:,} files")
    print(f"lesson 01, link to kernel ready: first visit {first:.1f} s "
          f"({downloaded / 1e6:.0f} MB downloaded), later visits {again:.1f} s "
          f"(×{again / first:.2f})")
    print(f"lesson 01, Run All in the page: {run_all:.1f} s")


if __name__ == "__main__":
    main()
