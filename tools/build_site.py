"""Build the browser edition: a JupyterLite site in site/ that runs the lessons with no install.

    .venv/bin/python tools/build_site.py            # `make site`; then: python -m http.server -d site
    .venv/bin/python tools/build_site.py --output DIR   # build into DIR instead of site/

JupyterLite (https://jupyterlite.readthedocs.io) is JupyterLab and a Python kernel (Pyodide,
CPython compiled to WebAssembly) as static files; any web server can serve them and a trainee
opens a link. Everything comes from the package registries, at build time only, so the site
never fetches anything from anywhere but itself:

- Pyodide's core (the interpreter and its standard library) from npm (`npm pack pyodide@…`), the
  version jupyterlite-pyodide-kernel was made for;
- every Python package the lessons import, as pure-Python wheels from PyPI (`pip download
  --platform any`), and minichain's own wheel; Pyodide's package lock (pyodide-lock.json) is
  rewritten to name exactly these files with their sha256, so `import networkx` loads the
  served wheel (not Pyodide's own networkx entry, which pulls numpy and matplotlib);
- the lessons and the released exercises, both editions;
- `disablePyPIFallback`, so a package the site lacks fails in the kernel instead of being
  fetched from PyPI.

Pyodide's core is cached in .site-cache/ (git-ignored); the wheels are downloaded again (pip's
own cache makes that quick) into a private working folder, and the site is rebuilt from scratch
each time, so two builds into different folders never share a file but the cache.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".site-cache"
SITE = ROOT / "site"

# Pyodide's interpreter, for evaluating the wheels' dependency markers
PYODIDE_ENVIRONMENT = {
    "python_version": "3.14", "python_full_version": "3.14.2", "sys_platform": "emscripten",
    "platform_system": "Emscripten", "os_name": "posix", "implementation_name": "cpython",
    "platform_machine": "wasm32", "platform_python_implementation": "CPython", "extra": ""}
# the kernel's own packages, at the versions Pyodide's lock names
PINNED_BY_PYODIDE = ["micropip", "packaging", "ipython"]
# IPython's dependencies, then what the lessons import
WHEELS = [
    "ipython-pygments-lexers", "asttokens", "decorator", "executing",
    "matplotlib-inline", "prompt_toolkit", "pure-eval", "pygments", "six", "stack-data",
    "traitlets", "wcwidth", "jedi", "parso", "comm", "typing_extensions",
    "ecdsa", "networkx", "segno", "tlslite-ng", "gmssl",
]
# what minichain needs in the browser beyond its install requirements: the lab extra's
# pure-Python part (the widgets and the QR codes), the vault's pure-Python AES-GCM and SM3
# (Pyodide's OpenSSL has none)
BROWSER_EXTRAS = ["ipywidgets", "segno", "tlslite-ng", "gmssl"]
CONTENTS = ["lessons", "exercises"]  # the English and Chinese lessons and released exercises
# the site's own pages, at the root of its file browser: "Start here", in English and Chinese
START_PAGES = ROOT / "site-pages"


def run(*command: str, cwd: Path | None = None) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=cwd)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyodide_core() -> Path:
    """Pyodide's core from npm (the version jupyterlite-pyodide-kernel was made for), unpacked
    once into the cache."""
    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION as PYODIDE

    folder = CACHE / f"pyodide-{PYODIDE}"
    CACHE.mkdir(exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:  # two builds at once fetch it only once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "pyodide-lock.json").exists():
            fetch_pyodide_core(PYODIDE, folder)
    return folder


def fetch_pyodide_core(version: str, folder: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("make site needs npm (Node.js) to fetch Pyodide's core from the npm registry")
    run(npm, "pack", f"pyodide@{version}", "--silent", cwd=CACHE)
    with tarfile.open(CACHE / f"pyodide-{version}.tgz") as archive:
        archive.extractall(CACHE / "unpacked", filter="data")
    shutil.rmtree(folder, ignore_errors=True)
    (CACHE / "unpacked" / "package").rename(folder)


def ipywidgets_pin() -> str:
    """The kernel's ipywidgets must match the site's widget manager (jupyterlab_widgets in this
    environment): the one installed here."""
    from importlib.metadata import version

    return f"ipywidgets=={version('ipywidgets')}"


def wheels(lock: dict, folder: Path) -> list[Path]:
    """Every wheel the site serves, downloaded into `folder`: the pure-Python ones from PyPI and
    minichain's own."""
    folder.mkdir(parents=True)
    pinned = [f"{name}=={lock['packages'][name]['version']}" for name in PINNED_BY_PYODIDE]
    run(sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--no-deps",
        "--python-version", PYODIDE_ENVIRONMENT["python_version"], "--platform", "any",
        "--dest", str(folder), *pinned, *WHEELS, ipywidgets_pin())
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(folder),
        str(ROOT))
    found = sorted(folder.glob("*.whl"))
    if any(not w.name.endswith(("-none-any.whl")) for w in found):
        sys.exit("a wheel for the browser must be pure Python: "
                 + ", ".join(w.name for w in found if not w.name.endswith("-none-any.whl")))
    return found


def lock_entry(wheel: Path, served: set[str], locked: dict[str, str]) -> tuple[str, dict]:
    """The pyodide-lock.json entry for a served wheel: its file, sha256, imports and the
    dependencies (among the served packages) its metadata asks for under Pyodide."""
    name, version = wheel.name.split("-")[:2]
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = Parser().parsestr(archive.read(
            next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
        tops = {line.strip() for n in names if n.endswith("top_level.txt")
                for line in archive.read(n).decode().split() if line.strip()}
    tops = tops or {n.split("/")[0].removesuffix(".py") for n in names
                    if not n.split("/")[0].endswith((".dist-info", ".data"))}
    depends = set()
    for text in metadata.get_all("Requires-Dist") or []:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate(PYODIDE_ENVIRONMENT):
            depends.add(canonical(requirement.name))
    if canonical(name) == "minichain":
        depends |= {canonical(extra) for extra in BROWSER_EXTRAS}
    key = locked.get(canonical(name), canonical(name))
    return key, {"name": key, "version": version, "file_name": wheel.name,
                 "install_dir": "site", "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
                 "package_type": "package", "imports": sorted(tops),
                 "depends": sorted(locked.get(d, d) for d in depends & served)}


def pyodide_folder(target: Path, work: Path) -> None:
    """Pyodide's core plus the served wheels, with a lock that names exactly those wheels."""
    shutil.copytree(pyodide_core(), target)
    lock = json.loads((target / "pyodide-lock.json").read_text(encoding="utf-8"))
    served_wheels = wheels(lock, work / "wheels")
    for wheel in served_wheels:
        shutil.copy2(wheel, target / wheel.name)
    locked = {canonical(key): key for key in lock["packages"]}
    served = {canonical(w.name.split("-")[0]) for w in served_wheels}
    for wheel in served_wheels:
        key, entry = lock_entry(wheel, served, locked)
        lock["packages"][key] = entry
    (target / "pyodide-lock.json").write_text(json.dumps(lock), encoding="utf-8")


# JupyterLab settings the site starts with (overrides.json): every cell drawn (not only those in
# view, which the browser tests need to see every output), the start pages opened as pages (not
# as Markdown source), and no news or update checks (they would reach the internet)
OVERRIDES = {
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Markdown Preview"}},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}


def site_config(lite_dir: Path) -> None:
    (lite_dir / "overrides.json").write_text(json.dumps(OVERRIDES, indent=2), encoding="utf-8")
    config = {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
        "appName": "minichain",
        "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": {
            "disablePyPIFallback": True}}}}
    (lite_dir / "jupyter-lite.json").write_text(json.dumps(config, indent=2), encoding="utf-8")


def contents(lite_dir: Path) -> list[str]:
    """The trainees' notebooks: lessons and released exercises, never the exercise sources;
    and beside them the "Start here" pages (site-pages/*.md): which lesson to open first, that
    saved work stays in this browser only, how to hand in an exercise (File > Download) and how
    to start a file fresh (deleting the browser's saved copy brings back the shipped file, since
    JupyterLite shows a saved copy in place of the shipped one: jupyterlite issue #1067)."""
    files = lite_dir / "files"
    shutil.rmtree(files, ignore_errors=True)
    for folder in CONTENTS:
        shutil.copytree(ROOT / folder, files / folder, ignore=shutil.ignore_patterns(
            "source", "conftest.py", "__pycache__", ".ipynb_checkpoints", "README.md"))
    for page in sorted(START_PAGES.glob("*.md")):
        shutil.copy2(page, files / page.name)
    return [str(files)]


def build(output: Path) -> None:
    """The whole site in `output` (replaced), built in a private working folder."""
    with tempfile.TemporaryDirectory(prefix="minichain-site-") as work:
        lite_dir = Path(work) / "lite"
        (lite_dir / "static").mkdir(parents=True)
        # static/pyodide: a well-known place the build copies
        pyodide_folder(lite_dir / "static" / "pyodide", Path(work))
        site_config(lite_dir)
        shutil.rmtree(output, ignore_errors=True)
        jupyter = Path(sys.executable).with_name("jupyter")
        run(str(jupyter), "lite", "build", "--lite-dir", str(lite_dir), "--output-dir",
            str(output), "--contents", *contents(lite_dir), cwd=lite_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=SITE,
                        help="the folder to build the site in (default: site/)")
    output = parser.parse_args(argv).output.resolve()
    build(output)
    size = sum(p.stat().st_size for p in output.rglob("*") if p.is_file())
    print(f"built {output}: {size / 1e6:.0f} MB; serve it with "
          f"`python -m http.server -d {output}` and open http://127.0.0.1:8000/lab/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
