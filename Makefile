# Two commands for a fresh machine (see README.md):
#   make lab   - create the environment if missing, install everything, open JupyterLab on lessons/
#   make test  - create the environment if missing, install everything, run the whole test suite
#                (the package's tests; every lesson re-run and compared cell by cell, strict nbval;
#                then every lesson run and used in JupyterLab in Chromium, both editions, and run
#                in the browser edition's site; the class server with real Unix accounts when
#                run as root, tests/browser/), then the package's tests and the lessons once
#                more on the browser edition's pure-Python backends (MINICHAIN_CRYPTO=ecdsa
#                MINICHAIN_VAULT_CIPHER=python: where libsecp256k1 or OpenSSL is missing). It
#                installs Chromium with apt first where it can (as root, or through password-less
#                sudo); where it cannot, the browser tests are skipped with the reason, or fail
#                when MINICHAIN_BROWSER_TESTS=require, as CI sets.
#   make lessons - re-execute every lesson in lessons/ and save its outputs (after editing one);
#                update the translation catalogs in i18n/zh_CN/ (lessons and exercises), rebuild
#                the Chinese lessons in lessons/zh_CN/ whose catalogs are complete and execute
#                them, and the Chinese exercises' sources in exercises/zh_CN/source/ and their
#                releases in exercises/zh_CN/
#   make lab-zh - the same, with JupyterLab's interface in Chinese, on the Chinese lessons
#   make browser - install Chromium and a Chinese font with apt (as root, or through sudo) for
#                the browser tests
#   make site  - build the browser edition (JupyterLite, no install for trainees) into site/
#   make hub   - as root: set up and start the class server (JupyterHub; deploy/hub/README.md)
#   make browser-test - only the browser tests: every lesson run and used in JupyterLab in
#                  Chromium; screenshots in test-artifacts/browser/
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
HAS_CJK_FONT = fc-list :lang=zh 2>/dev/null | grep -q .

.PHONY: site lab lab-zh test test-fallback lessons bench clean browser browser-if-possible browser-test \
	hub hub-proxy

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[lab,test]"
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/minichain lab

# the Chinese edition: JupyterLab's interface in Chinese, on lessons/zh_CN
lab-zh: $(STAMP)
	$(BIN)/minichain lab --lang zh_CN

# the browser tests run after the rest, not beside it: Chromium compiling Pyodide would starve
# the grader's kernels (started by the grading tests) of CPU on a small machine
test: $(STAMP) browser-if-possible hub-proxy
	$(BIN)/python -m pytest -n auto --dist loadfile tests lessons --nbval --nbval-current-env \
	  --ignore=tests/browser
	$(BIN)/python -m pytest -n auto --dist loadfile tests/browser
	$(MAKE) --no-print-directory test-fallback

# the same tests and lessons on the browser edition's pure-Python backends: signatures checked by
# ecdsa instead of libsecp256k1, the vault encrypted by tlslite-ng's AES-GCM instead of OpenSSL's
# (the browser tests drive JupyterLab's interface, which does not depend on the backends)
test-fallback: $(STAMP)
	MINICHAIN_CRYPTO=ecdsa MINICHAIN_VAULT_CIPHER=python \
	  $(BIN)/python -m pytest -q -n auto --dist loadfile tests lessons \
	  --nbval --nbval-current-env --ignore=tests/browser -p no:cacheprovider

# English lessons first (their cell ids key the catalogs), then the catalogs updated from them
# (a changed cell becomes fuzzy), the Chinese lessons and exercise sources built from complete
# catalogs, the lessons executed and the exercises released
lessons: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py
	$(BIN)/python tools/translate_notebooks.py extract
	$(BIN)/python tools/translate_notebooks.py build
	test ! -d lessons/zh_CN || $(BIN)/python tools/execute_notebooks.py lessons/zh_CN
	test ! -d exercises/zh_CN/source || $(BIN)/minichain release exercises/zh_CN/source/*.ipynb

# Chromium, and fonts with Chinese characters (WenQuanYi Micro Hei) so that the Chinese edition's
# screenshots show characters, not boxes
# (and npm, with which the browser edition's tests build the site: make site; and sudo, through
# which the class server's test grades each notebook as a Unix user of its own)
BROWSER_TOOLS_INSTALLED = [ -x /usr/bin/chromium ] && $(HAS_CJK_FONT) && command -v npm >/dev/null \
	&& command -v sudo >/dev/null
browser:
	@if $(BROWSER_TOOLS_INSTALLED); then \
	  echo "Chromium, a Chinese font, npm and sudo are installed: /usr/bin/chromium"; else \
	  sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$sudo apt-get update && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	    chromium fonts-dejavu-core fonts-liberation fonts-wqy-microhei \
	    $$(command -v npm >/dev/null || echo npm) $$(command -v sudo >/dev/null || echo sudo); fi

# the class server (JupyterHub) for one machine, as root: the class's environment, then the hub
# (add people first or meanwhile with `.venv/bin/minichain hub add NAME…`); deploy/hub/README.md
hub: $(STAMP) hub-proxy
	$(BIN)/minichain hub setup
	$(BIN)/minichain hub start

# configurable-http-proxy, the proxy in front of JupyterHub, from npm into deploy/hub/
HUB_PROXY = deploy/hub/node_modules/.bin/configurable-http-proxy
$(HUB_PROXY): deploy/hub/package.json deploy/hub/package-lock.json
	cd deploy/hub && npm ci --no-audit --no-fund --silent
	touch $(HUB_PROXY)

hub-proxy:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(HUB_PROXY); else \
	  echo "note: npm is missing, so the class server's proxy is not installed (make browser" \
	  "installs npm)"; fi

# `make test`'s set-up step: install Chromium if this user may (root, or sudo without a password)
browser-if-possible:
	@if { $(BROWSER_TOOLS_INSTALLED); } || [ "$${MINICHAIN_BROWSER_TESTS:-}" = skip ]; then :; \
	elif [ "$$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; then \
	  $(MAKE) --no-print-directory browser || [ "$${MINICHAIN_BROWSER_TESTS:-}" != require ] && \
	  { [ -x /usr/bin/chromium ] || echo "note: Chromium could not be installed, so the browser" \
	    "tests will be skipped (MINICHAIN_BROWSER_TESTS=require makes that an error)."; }; \
	else echo "note: Chromium is not installed and this user cannot install it, so the browser" \
	  "tests will be skipped; run 'make browser' once as root or with sudo to include them."; fi

browser-test: $(STAMP)
	MINICHAIN_BROWSER_TESTS=require $(BIN)/python -m pytest -q -p no:xdist tests/browser

# the browser edition: a JupyterLite site in site/, built offline from the package registries;
# serve it with `python -m http.server -d site` (or any static web server)
site: $(STAMP)
	$(BIN)/python tools/build_site.py

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
