"""The `minichain` command: the shop story, exploring and verifying chain files, the lessons.

Driven in-process through `minichain.cli.main` (its return value is the exit code), plus a few
runs of the installed `minichain` script. Every problem must come out as one line on stderr with
a documented exit code, never a traceback, and reading or checking a file must never change it.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from minichain import ProofOfAuthority, Wallet, open_chain
from minichain import cli, store
from minichain.contracts import ContractClient, ContractRuntime, call_data

sys.path.insert(0, str(Path(__file__).parent))
from store_helpers import (  # noqa: E402
    PARAMS,
    being_written_by_another_program,
    change_a_payment,
    customer,
    digest,
    forge_money_from_nowhere,
    locked_by_another_program,
    make_chain_file,
    run_as_ordinary_user,
    run_sql,
    truncate,
)

SCRIPT = shutil.which("minichain", path=str(Path(sys.executable).parent))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str, *fragments: str) -> None:
    assert err.count("\n") == 1 and err.startswith("minichain: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture(autouse=True)
def impatient(monkeypatch):
    monkeypatch.setattr("minichain.store.opening.BUSY_TIMEOUT", 0.05)


@pytest.fixture
def chain_file(tmp_path):
    return make_chain_file(tmp_path / "shop.chain")


# -- demo ------------------------------------------------------------------------------------------

def test_the_demo_tells_the_shop_story_the_same_way_on_every_run(capsys):
    code, first, err = run(capsys, "demo")
    assert code == 0 and err == ""
    assert run(capsys, "demo") == (0, first, "")
    for line in ("1. The platform opens order #1042 in an escrow contract",
                 "2. The customer pays 120 into the escrow, not to the shop",
                 "   the escrow holds 120; the shop has 300",
                 "   event Completed(buyer_gets=0, seller_gets=120)",
                 "5. The shop withdraws its 120: the order is COMPLETED.",
                 "customer       841      2", "shop           383      2",
                 "       5  4818827116c6…  2026-01-01 00:00:25  platform     1    578"):
        assert line in first


def test_the_demo_keeps_its_chain_in_a_file_that_explore_and_verify_only_read(tmp_path, capsys):
    path = tmp_path / "shop.chain"
    code, out, _ = run(capsys, "demo", "--db", str(path))
    assert code == 0 and f"The chain is kept in {path}" in out
    before = digest(path)

    code, out, err = run(capsys, "explore", str(path))
    assert (code, err) == (0, "")
    for line in ("consensus  proof of authority (EIP-225): validators bank, logistics, platform",
                 "contracts  on (gas price 1)", "blocks     6 on the main chain, 0 on side",
                 "customer  fund() on OrderEscrow 0xbD8C…8816         120   19  ok",
                 "OrderEscrow, holding 0", "      state              COMPLETED",
                 "      seller             shop"):
        assert line in out, line

    for argv in (["verify", str(path)], ["verify", str(path), "--full"]):
        code, out, err = run(capsys, *argv)
        assert (code, err) == (0, "")
        assert out.startswith(f"{path} is valid: 6 blocks, tip 5 (4818827116c6…); checked ")
    assert "every signature and seal included" in out
    assert digest(path) == before


def test_the_demo_never_writes_over_an_existing_file(chain_file, capsys):
    before = digest(chain_file)
    code, out, err = run(capsys, "demo", "--db", str(chain_file))
    assert (code, out) == (2, "")
    one_line_error(err, str(chain_file), "a file already exists there")
    assert digest(chain_file) == before


def test_the_demo_says_when_the_folder_for_its_file_is_missing(tmp_path, capsys):
    code, _, err = run(capsys, "demo", "--db", str(tmp_path / "no" / "shop.chain"))
    assert code == 2
    one_line_error(err, f"there is no folder {tmp_path / 'no'}")


# -- explore ---------------------------------------------------------------------------------------

def test_explore_shows_the_last_blocks_and_refused_calls(tmp_path, capsys):
    platform, logistics, bank = (Wallet.from_seed(s) for s in ("platform", "logistics", "bank"))
    path = tmp_path / "escrow.chain"
    with open_chain(path, ProofOfAuthority(validators=(platform.address,)), PARAMS,
                         producers=[platform], runtime=ContractRuntime()) as chain:
        order = ContractClient.deploy(chain, customer, "OrderEscrow", buyer=customer.address,
                                      seller=bank.address, arbiter=logistics.address, price=5)
        chain.produce_block()
        early = customer.pay(order.address, 0, chain=chain, fee=50, data=call_data("confirm"))
        chain.submit(early)  # sent without a dry run: it goes into a block, and fails there
        for _ in range(24):
            chain.produce_block()
    code, out, _ = run(capsys, "explore", str(path), "--last", "25")
    assert code == 0
    assert "Blocks (the last 25)" in out and "\n       0  " not in out
    assert "refused: the order is CREATED; it is possible to confirm delivery only when it is " \
           "SHIPPED." in out
    code, out, _ = run(capsys, "explore", str(path), "--last", "0")
    assert "Blocks (every block)" in out and "\n       0  " in out


def test_explore_refuses_a_negative_count(chain_file, capsys):
    code, _, err = run(capsys, "explore", str(chain_file), "--last", "-1")
    assert code == 2
    one_line_error(err, "--last must be 0")


# -- bad files -------------------------------------------------------------------------------------

def spoil(tmp_path: Path, how: str) -> Path:
    path = tmp_path / "shop.chain"
    if how == "missing":
        return path
    if how == "a folder":
        path.mkdir()
        return path
    if how == "not SQLite":
        path.write_text("order,amount\n1042,120\n")
        return path
    make_chain_file(path)
    if how == "newer format":
        run_sql(path, "PRAGMA user_version = 7")
    elif how == "cut in half":
        truncate(path, 0.5)
    elif how == "edited":
        change_a_payment(path, height=2)
    return path


BAD_FILES = {  # how: (explore's message, verify's exit code, verify's message)
    "missing": ("there is no chain file at {path}.", 2, None),
    "a folder": ("{path} is not a minichain chain file: it is a folder.", 2, None),
    "not SQLite": ("{path} is not a minichain chain file: it is not an SQLite database.", 2,
                   None),
    "newer format": ("{path} was written by a newer minichain (file format 7; this one reads "
                     "format 2); upgrade minichain to open it.", 2, None),
    "cut in half": ("{path} is damaged and cannot be used: SQLite finds its pages malformed",
                    1, "{path} is NOT valid: SQLite finds its pages malformed"),
    "edited": ("block 2 (", 1, "{path} is NOT valid: block 2 ("),
}


@pytest.mark.parametrize("how", BAD_FILES)
def test_a_bad_file_gets_one_clear_line_and_is_not_touched(tmp_path, capsys, how):
    path = spoil(tmp_path, how)
    before = digest(path) if path.is_file() else None
    explore_message, verify_code, verify_message = BAD_FILES[how]

    code, out, err = run(capsys, "explore", str(path))
    assert (code, out) == (2, "")
    one_line_error(err, explore_message.format(path=path))

    code, out, err = run(capsys, "verify", str(path), "--full")
    assert code == verify_code
    if verify_message is None:
        assert out == ""
        one_line_error(err, explore_message.format(path=path))
    else:  # a chain file that is not valid: the verdict, on stdout
        assert err == "" and out.startswith(verify_message.format(path=path))
        assert out.count("\n") == 1
    assert (digest(path) if path.is_file() else None) == before


def test_a_locked_file(chain_file, capsys):
    with locked_by_another_program(chain_file):
        for command in ("explore", "verify"):
            code, out, err = run(capsys, command, str(chain_file))
            assert (code, out) == (2, "")
            one_line_error(err, f"{chain_file} is locked by another program")


def test_a_file_can_be_explored_while_another_program_writes_to_it(chain_file, capsys):
    """Write-ahead logging: readers see the last committed block while a writer works."""
    with being_written_by_another_program(chain_file):
        code, out, err = run(capsys, "explore", str(chain_file))
    assert (code, err) == (0, "") and "blocks     5 on the main chain" in out


def test_a_file_without_permission(chain_file):
    chain_file.chmod(0o000)
    try:
        result = run_as_ordinary_user([SCRIPT, "explore", str(chain_file)])
    finally:
        chain_file.chmod(0o644)
    assert (result.returncode, result.stdout) == (2, "")
    one_line_error(result.stderr, f"{chain_file} cannot be read: permission denied")


def test_verify_names_the_first_invalid_block_and_full_catches_a_careful_forgery(tmp_path,
                                                                                capsys):
    path = tmp_path / "forged.chain"
    height = forge_money_from_nowhere(path)
    code, out, _ = run(capsys, "verify", str(path))
    assert code == 0 and "is valid" in out  # every hash, link and state root was recomputed
    code, out, err = run(capsys, "verify", str(path), "--full")
    assert (code, err) == (1, "")
    assert out.startswith(f"{path} is NOT valid: block {height} (")
    assert "the header commits to state" in out and "but executing the block gives" in out


# -- the command line itself -----------------------------------------------------------------------

@pytest.mark.parametrize("command", ["demo", "explore", "verify", "lab"])
def test_every_command_has_help(capsys, command):
    with pytest.raises(SystemExit) as done:
        cli.main([command, "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and out.startswith(f"usage: minichain {command}")


def test_the_main_help_lists_every_command_and_the_exit_codes(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    for command in ("demo", "explore", "verify", "lab"):
        assert f"    {command}" in out
    assert "Exit codes: 0 ok, 1 verify found an invalid chain, 2 wrong command line" in out


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["explore"], ["verify", "a", "b"],
                                  ["explore", "x", "--last", "many"]])
def test_a_wrong_command_line_exits_with_2(capsys, argv):
    with pytest.raises(SystemExit) as done:
        cli.main(argv)
    assert done.value.code == 2 and "usage: minichain" in capsys.readouterr().err


def test_a_bug_is_one_line_with_exit_code_70_not_a_traceback(chain_file, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.delenv("MINICHAIN_DEBUG", raising=False)
    monkeypatch.setattr(store, "verify_chain_file", broken)
    code, out, err = run(capsys, "verify", str(chain_file))
    assert (code, out) == (70, "")
    one_line_error(err, "internal error (RuntimeError: boom)", "MINICHAIN_DEBUG=1")


def _lab_runs(monkeypatch, root: bool = False) -> list[tuple[list[str], dict]]:
    """What `minichain lab` hands over to (a pretend) JupyterLab: its argv and environment."""
    runs = []
    monkeypatch.setattr(cli.shutil, "which", lambda name, path=None: "/opt/bin/jupyter")
    monkeypatch.setattr(cli.os, "execve", lambda path, argv, env: runs.append((argv, env)))
    monkeypatch.setattr(cli, "_running_as_root", lambda: root)
    return runs


def test_lab_opens_jupyterlab_on_the_lessons_folder(tmp_path, monkeypatch, capsys):
    runs = _lab_runs(monkeypatch)
    cli.main(["lab", str(tmp_path)])
    assert [argv for argv, _ in runs] == [
        ["/opt/bin/jupyter", "lab", f"--ServerApp.root_dir={tmp_path}"]]
    code, _, err = run(capsys, "lab", str(tmp_path / "missing"))
    assert code == 2
    one_line_error(err, f"there is no lessons folder at {tmp_path / 'missing'}")


def test_lab_as_root_allows_root_which_jupyterlab_otherwise_refuses(tmp_path, monkeypatch):
    runs = _lab_runs(monkeypatch, root=True)
    cli.main(["lab", str(tmp_path), "--", "--no-browser"])
    assert [argv for argv, _ in runs] == [
        ["/opt/bin/jupyter", "lab", f"--ServerApp.root_dir={tmp_path}", "--allow-root",
         "--no-browser"]]


def test_lab_in_chinese_opens_the_chinese_lessons_with_a_chinese_interface(tmp_path,
                                                                           monkeypatch):
    """`make lab-zh`: JupyterLab's language set for this run only (an overrides file in a folder
    of the kit's own, not the user's settings), the kernels told MINICHAIN_LANG."""
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MINICHAIN_LANG", raising=False)
    runs = _lab_runs(monkeypatch)
    cli.main(["lab", "--lang", "zh_CN"])
    (argv, env), = runs
    assert argv[2] == f"--ServerApp.root_dir={cli.LESSONS / 'zh_CN'}"
    settings = Path(argv[3].removeprefix("--LabApp.app_settings_dir="))
    assert settings.is_relative_to(tmp_path / "data")
    overrides = json.loads((settings / "overrides.json").read_text(encoding="utf-8"))
    assert overrides == {"@jupyterlab/translation-extension:plugin": {"locale": "zh_CN"}}
    assert env["MINICHAIN_LANG"] == "zh_CN"


# -- progress --------------------------------------------------------------------------------------

class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_then_cleared_and_never_into_a_pipe():
    terminal, pipe = FakeTerminal(), io.StringIO()
    for stream in (terminal, pipe):
        with cli.ProgressBar("checking shop.chain", stream) as bar:
            bar(500, 1000)
            bar(1000, 1000)
    drawn = terminal.getvalue()
    assert "\rchecking shop.chain [###############...............]  50%" in drawn
    assert "[##############################] 100%" in drawn
    assert drawn.endswith("\r") and drawn.rsplit("\r", 2)[-2].strip() == ""  # cleared
    assert pipe.getvalue() == ""


def test_verify_shows_progress_on_a_terminal(chain_file, capsys, monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code = cli.main(["verify", str(chain_file), "--full"])
    assert code == 0 and "is valid" in capsys.readouterr().out
    assert f"\rchecking {chain_file.name} [" in terminal.getvalue()
    assert " 100%" in terminal.getvalue()


# -- the installed command -------------------------------------------------------------------------

def test_the_installed_command_runs_the_demo_and_reports_errors(tmp_path, capsys):
    assert SCRIPT is not None, "the `minichain` script is not installed beside this Python"
    in_process = run(capsys, "demo")[1]
    demo = subprocess.run([SCRIPT, "demo"], capture_output=True, text=True)
    assert (demo.returncode, demo.stdout, demo.stderr) == (0, in_process, "")
    missing = subprocess.run([SCRIPT, "verify", str(tmp_path / "nothing.chain")],
                             capture_output=True, text=True)
    assert (missing.returncode, missing.stdout) == (2, "")
    one_line_error(missing.stderr, f"there is no chain file at {tmp_path / 'nothing.chain'}.")
