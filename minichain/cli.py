"""The `minichain` command: chain files from the terminal, and the lessons.

    minichain demo [--db PATH]           the shop story: a customer pays a shop through escrow
    minichain explore PATH [--last N]    blocks, transactions, balances and contracts of a file
    minichain verify PATH [--full]       check a chain file; --full re-checks every signature
    minichain lab [FOLDER]               open JupyterLab on the lessons (what `make lab` runs)
    minichain release [SOURCE ...]       write the trainee exercise notebooks from the sources
    minichain grade SOURCE SUBMISSION... --out DIR [-j N]
                                         grade a class: grades.csv and feedback per trainee
    minichain merge-written DIR          add the points given to written answers (DIR/
                                         written-answers.csv) to the gradebook and feedback

Every command answers `--help`. Problems are reported as one line on stderr, never a
traceback, and the exit code says what happened, so scripts can rely on it:

    0    done (verify: the chain is valid)
    1    verify: the file is a chain file, but it is not valid (the first bad block is named);
         release --check: a released exercise is out of date
    2    the command line is wrong, or the file cannot be used: missing, a folder, no
         permission, locked by another program, not a chain file, written by a newer
         minichain, or (demo --db) already there
    70   an internal error, i.e. a bug in minichain (MINICHAIN_DEBUG=1 shows the traceback)
    130  interrupted (Ctrl-C)

Long work (reading or checking a big chain file) shows a progress bar on stderr when stderr
is a terminal. Reading and checking never change what a chain file holds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from minichain import signature_batch, store
from minichain.block import ZERO_ADDRESS, Block
from minichain.chain import Blockchain
from minichain.clock import date_text
from minichain.consensus.poa import ProofOfAuthority
from minichain.contracts import ContractClient, ContractRuntime
from minichain.errors import short
from minichain.params import ChainParams
from minichain.transaction import Transaction
from minichain.wallet import Wallet

__all__ = ["EXIT_ERROR", "EXIT_INTERNAL", "EXIT_INVALID", "EXIT_OK", "build_parser", "main"]

EXIT_OK, EXIT_INVALID, EXIT_ERROR, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 70, 130

LESSONS = Path(__file__).resolve().parent.parent / "lessons"
EXERCISES = Path(__file__).resolve().parent.parent / "exercises"

# The teaching wallets of the lessons and tests: an explorer shows these names beside their
# addresses, as block explorers label well-known addresses.
TEACHING_NAMES = ("customer", "shop", "courier", "attacker", "miner", "platform", "logistics",
                  "bank", "alice", "bob", "carol")


class _Failure(Exception):
    """A problem to report as one line and an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR):
        super().__init__(message)
        self.code = code


# -- progress ------------------------------------------------------------------------------------

class ProgressBar:
    """A one-line bar on stderr, drawn only if stderr is a terminal; call it with (done, total)."""

    WIDTH = 30

    def __init__(self, label: str, stream: TextIO | None = None):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        part = done / total if total else 1.0
        filled = int(self.WIDTH * part)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                          f"{part:4.0%}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r" + " " * (len(self.label) + self.WIDTH + 9) + "\r")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# -- showing a chain -----------------------------------------------------------------------------

def _names(chain: Blockchain) -> dict[str, str]:
    """Address -> a name to show: teaching wallets and the contracts on the chain."""
    names = {Wallet.from_seed(name).address: name for name in TEACHING_NAMES}
    for key, value in chain.state.items("contract:"):
        address = key[len("contract:"):]
        names[address] = f"{value.decode('utf-8', 'replace')} {short(address)}"
    return names


def _who(address: str, names: dict[str, str]) -> str:
    return names.get(address) or short(address)


def _time(timestamp: int) -> str:
    return date_text(timestamp).removesuffix(" UTC")


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], out: TextIO,
           right: Sequence[int] = ()) -> None:
    """Columns padded to fit; columns numbered in `right` are aligned right (numbers)."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        line = "  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                         for i, (cell, w) in enumerate(zip(row, widths)))
        print("  " + line.rstrip(), file=out)
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths), file=out)


def _what(tx: Transaction, names: dict[str, str]) -> str:
    """What a transaction does, in words: a payment, a deployment or a contract call."""
    message = None
    if tx.data.startswith(b"{"):
        try:
            message = json.loads(tx.data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            message = None
    if isinstance(message, dict) and "deploy" in message and tx.recipient == ZERO_ADDRESS:
        return f"deploy {message['deploy']}"
    if isinstance(message, dict) and "call" in message:
        return f"{message['call']}() on {_who(tx.recipient, names)}"
    return f"pay {_who(tx.recipient, names)}"


def _event_words(event, names: dict[str, str]) -> str:
    """Name(field=value, …) with known addresses shown by name."""
    fields = ", ".join(f"{key}={names.get(value, value) if isinstance(value, str) else value}"
                       for key, value in event.fields.items())
    return f"{event.name}({fields})"


def _engine_words(chain: Blockchain, names: dict[str, str]) -> str:
    engine = chain.engine
    if engine.name == "proof of authority":
        validators = ", ".join(_who(v, names) for v in sorted(engine.validators, key=str.lower))
        return (f"proof of authority (EIP-225): validators {validators}; a block every "
                f"{engine.period} s; checkpoint every {engine.epoch} blocks")
    return (f"proof of work: a block every {engine.target_spacing} s, retarget every "
            f"{engine.retarget_interval} blocks, {engine.block_subsidy} coins per block")


def _show_blocks(chain: Blockchain, blocks: Sequence[Block], names: dict[str, str],
                 out: TextIO) -> None:
    _table(["height", "hash", "time (UTC)", "producer", "txs", "bytes"],
           [(b.height, short(b.hash), _time(b.header.timestamp),
             "-" if b.height == 0 else _who(b.header.coinbase, names), len(b.transactions),
             b.size) for b in blocks], out, right=(0, 4, 5))


def _show_transactions(chain: Blockchain, blocks: Sequence[Block], names: dict[str, str],
                       out: TextIO) -> None:
    rows = []
    for block in blocks:
        receipts = chain.receipts(block.hash)
        for index, (tx, receipt) in enumerate(zip(block.transactions, receipts)):
            result = "ok" if receipt.success else f"refused: {receipt.error}"
            rows.append((block.height, index, short(tx.txid), _who(tx.sender, names),
                         _what(tx, names), tx.amount, receipt.fee, result))
    if rows:
        _table(["block", "#", "txid", "from", "what", "amount", "fee", "result"], rows, out,
               right=(0, 1, 5, 6))
    else:
        print("  (none)", file=out)


def _show_balances(chain: Blockchain, names: dict[str, str], out: TextIO) -> None:
    _table(["address", "who", "balance", "nonce"],
           [(address, names.get(address, ""), account.balance, account.nonce)
            for address, account in chain.state.accounts()], out, right=(2, 3))


def _show_contracts(chain: Blockchain, names: dict[str, str], out: TextIO) -> None:
    contracts = [(key[len("contract:"):], value.decode("utf-8", "replace"))
                 for key, value in chain.state.items("contract:")]
    if not contracts:
        print("  (none)", file=out)
    for address, name in contracts:
        print(f"  {address}  {name}, holding {chain.balance(address)}", file=out)
        prefix = f"storage:{address}:"
        for key, raw in chain.state.items(prefix):
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw.hex()
            shown = names.get(value, value) if isinstance(value, str) else value
            print(f"      {key[len(prefix):]:<18} {shown}", file=out)


# -- demo ----------------------------------------------------------------------------------------

PRICE = 120
ORDER = "#1042"
TRACKING = "SF1234567890"


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    if args.db is not None:
        return _run_demo(Path(args.db), args.db, out)
    with tempfile.TemporaryDirectory(prefix="minichain-demo-") as folder:
        return _run_demo(Path(folder) / "demo.chain", None, out)


def _run_demo(path: Path, shown_path: str | None, out: TextIO) -> int:
    platform, logistics, bank = (Wallet.from_seed(n) for n in ("platform", "logistics", "bank"))
    customer, shop = Wallet.from_seed("customer"), Wallet.from_seed("shop")
    validators = [platform, logistics, bank]
    params = ChainParams(allocations={customer.address: 1_000, shop.address: 300,
                                      platform.address: 500})
    engine = ProofOfAuthority(validators=tuple(v.address for v in validators))
    chain = Blockchain(engine, params, producers=validators, runtime=ContractRuntime())
    store.persist(chain, path)  # a new file, never one that is already there
    try:
        names = _names(chain)
        print("minichain demo: a customer pays a shop through escrow, on a consortium chain",
              file=out)
        print(file=out)
        print(f"  chain      {_engine_words(chain, names)}", file=out)
        print(f"  file       {shown_path or 'a temporary file (keep one with --db PATH)'}",
              file=out)
        print(f"  customer   {customer.address}  holds 1000", file=out)
        print(f"  shop       {shop.address}  holds 300", file=out)
        print(file=out)

        def step(number: int, text: str) -> Block:
            block = chain.produce_block()
            names.update(_names(chain))
            print(f"{number}. {text}", file=out)
            print(f"   block {block.height} ({short(block.hash)}) sealed by "
                  f"{_who(block.header.coinbase, names)} at {_time(block.header.timestamp)}",
                  file=out)
            for receipt in chain.receipts(block.hash):
                for event in receipt.events:
                    print(f"   event {_event_words(event, names)}", file=out)
            return block

        order = ContractClient.deploy(chain, platform, "OrderEscrow", buyer=customer.address,
                                      seller=shop.address, arbiter=platform.address,
                                      price=PRICE, order=ORDER)
        step(1, f"The platform opens order {ORDER} in an escrow contract: price {PRICE}, "
                "the shop has an hour to ship.")
        print(f"   the contract lives at {order.address}", file=out)
        order.call(customer, "fund", value=PRICE)
        step(2, f"The customer pays {PRICE} into the escrow, not to the shop: neither side "
                "can take it alone.")
        print(f"   the escrow holds {order.balance}; the shop has {chain.balance(shop.address)}",
              file=out)
        tracking = hashlib.sha256(TRACKING.encode()).hexdigest()[:16]
        order.call(shop, "ship", tracking_hash=tracking)
        step(3, "The shop ships and records a hash of the tracking number (not the number "
                "itself).")
        order.call(customer, "confirm")
        step(4, f"The customer confirms delivery: the escrow now owes the shop {PRICE}.")
        order.call(shop, "withdraw")
        step(5, f"The shop withdraws its {PRICE}: the order is {order['state']}.")
        print(file=out)
        print("Balances (fees went to the validator who sealed each block)", file=out)
        _show_balances(chain, names, out)
        print(file=out)
        print("Blocks", file=out)
        _show_blocks(chain, chain.blocks, names, out)
        print(file=out)
        if shown_path:
            print(f"The chain is kept in {shown_path}: look at it with `minichain explore "
                  f"{shown_path}` and check it with `minichain verify {shown_path} --full`.",
                  file=out)
        else:
            print("Keep the chain in a file with `minichain demo --db shop.chain`, then try "
                  "`minichain explore shop.chain` and `minichain verify shop.chain --full`.",
                  file=out)
    finally:
        chain.close()
    return EXIT_OK


# -- explore -------------------------------------------------------------------------------------

def _explore(args: argparse.Namespace, out: TextIO) -> int:
    if args.last < 0:
        raise _Failure("--last must be 0 (every block) or more.")
    path = Path(args.path)
    with ProgressBar(f"reading {path.name}") as bar:
        chain = store.open_chain(path, read_only=True, progress=bar)
    chain.close()
    names = _names(chain)
    side = sum(1 for _ in store.stored_blocks(chain)) - chain.height - 1
    print(f"{args.path}: a minichain chain file (format {store.SCHEMA_VERSION}), "
          f"{os.path.getsize(path):,} bytes", file=out)
    print(f"  chain      {chain.params.name!r}, chain id {chain.params.chain_id}", file=out)
    print(f"  consensus  {_engine_words(chain, names)}", file=out)
    runtime = chain.runtime
    print("  contracts  " + (f"on (gas price {runtime.gas_price})" if runtime else "off"),
          file=out)
    print(f"  blocks     {chain.height + 1} on the main chain, {side} on side branches; tip "
          f"{chain.height} ({short(chain.tip.hash)}) at {_time(chain.tip.header.timestamp)} UTC",
          file=out)
    print(f"  money      {chain.state.total_supply()} coins in {len(list(chain.state.accounts()))}"
          " accounts", file=out)
    blocks = chain.blocks if args.last == 0 else chain.blocks[-args.last:]
    print(file=out)
    every = "every block" if len(blocks) == chain.height + 1 else f"the last {len(blocks)}"
    print(f"Blocks ({every})", file=out)
    _show_blocks(chain, blocks, names, out)
    print(file=out)
    print("Transactions" + (" (in those blocks)" if len(blocks) <= chain.height else ""),
          file=out)
    _show_transactions(chain, blocks, names, out)
    print(file=out)
    print("Balances", file=out)
    _show_balances(chain, names, out)
    print(file=out)
    print("Contracts", file=out)
    _show_contracts(chain, names, out)
    return EXIT_OK


# -- verify --------------------------------------------------------------------------------------

def _verify(args: argparse.Namespace, out: TextIO) -> int:
    path = Path(args.path)
    try:
        with ProgressBar(f"checking {path.name}") as bar:
            chain = store.verify_chain_file(path, full=args.full, progress=bar)
    except store.CorruptChainFile as problem:
        print(f"{args.path} is NOT valid: {_sentence(problem)}", file=out)
        return EXIT_INVALID
    finally:
        signature_batch.shutdown()  # --full checks signatures on every core: stop the workers
    checked = "hash links, Merkle roots, receipts, rewards and state roots"
    if args.full:
        checked += ", and every block re-validated from genesis, every signature and seal included"
    print(f"{args.path} is valid: {chain.height + 1} blocks, tip {chain.height} "
          f"({short(chain.tip.hash)}); checked {checked}.", file=out)
    return EXIT_OK


def _sentence(problem: store.CorruptChainFile) -> str:
    """The problem without repeating the file's name."""
    if isinstance(problem, store.InvalidStoredBlock):
        return f"block {problem.height} ({short(problem.block_hash)}): {problem.reason}."
    return problem.reason + "."


# -- lab -----------------------------------------------------------------------------------------

def _lab(args: argparse.Namespace, out: TextIO) -> int:
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) \
        or shutil.which("jupyter")
    if jupyter is None:
        raise _Failure("JupyterLab is not installed here; run `make lab` from the project "
                       "folder, which installs it.")
    folder = Path(args.folder)
    if not folder.is_dir():
        raise _Failure(f"there is no lessons folder at {folder}.")
    command = [jupyter, "lab", f"--ServerApp.root_dir={folder}"]
    if _running_as_root():  # JupyterLab refuses root unless told; containers and CI run as root
        command.append("--allow-root")
    return subprocess.call(command)


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


# -- release -------------------------------------------------------------------------------------

def _release(args: argparse.Namespace, out: TextIO) -> int:
    from minichain.grading.exercise import Exercise, ExerciseError, released_json

    sources = [Path(p) for p in args.sources] or sorted((EXERCISES / "source").glob("*.ipynb"))
    if not sources:
        raise _Failure(f"there are no exercise sources in {EXERCISES / 'source'}.")
    stale = []
    for source in sources:
        try:
            exercise = Exercise.read(source)
        except ExerciseError as problem:
            raise _Failure(str(problem)) from None
        folder = Path(args.out) if args.out else source.resolve().parent.parent
        if not folder.is_dir():
            raise _Failure(f"there is no folder {folder} to release into.")
        target = folder / source.name
        text = released_json(exercise)
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        points = f"{len(exercise.questions)} questions, {exercise.max_points:g} points"
        if args.check:
            if current != text:
                stale.append(target)
                print(f"{target} is out of date: run `minichain release`.", file=out)
            continue
        if current == text:
            print(f"{target} is up to date ({points}).", file=out)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target} ({points}).", file=out)
    if args.check and not stale:
        print(f"{len(sources)} released exercises are up to date.", file=out)
    return EXIT_INVALID if stale else EXIT_OK


# -- grade ---------------------------------------------------------------------------------------

def _submissions(paths: Sequence[str], source: str) -> list[Path]:
    """The notebooks to grade: files as given; a folder stands for every notebook inside it,
    or, where some have the source's file name (nbgrader's submitted/<trainee>/ps1/problem1
    .ipynb beside problem2.ipynb), for those."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            inside = [p for p in sorted(path.rglob("*.ipynb"))
                      if ".ipynb_checkpoints" not in p.parts]
            named = [p for p in inside if p.name == Path(source).name]
            found.extend(named or inside)
        else:
            found.append(path)
    return found


def _grade(args: argparse.Namespace, out: TextIO) -> int:
    if args.jobs < 1:
        raise _Failure("-j must be 1 or more.")
    if args.timeout <= 0:
        raise _Failure("--timeout must be more than 0 seconds.")
    try:
        from minichain.grading.exercise import Exercise, ExerciseError
        from minichain.grading.grader import grade
        from minichain.grading.kernel import KernelLimits
    except ImportError as missing:
        raise _Failure(f"grading needs Jupyter's kernel libraries ({missing.name} is missing); "
                       "install them with `pip install -e '.[test]'`.") from None
    try:
        exercise = Exercise.read(args.source)
    except ExerciseError as problem:
        raise _Failure(str(problem)) from None
    submissions = _submissions(args.submissions, args.source)
    if not submissions:
        raise _Failure("there are no notebooks to grade in " + ", ".join(args.submissions) + ".")
    folder = Path(args.out)
    if folder.exists() and not folder.is_dir():
        raise _Failure(f"{folder} is a file; --out needs a folder.")
    if not folder.parent.is_dir():
        raise _Failure(f"there is no folder {folder.parent} to put {folder.name} in.")
    limits = KernelLimits(cell_timeout=args.timeout, memory_mb=args.memory_mb)
    started = time.monotonic()
    with ProgressBar(f"grading {len(submissions)} submissions") as bar:
        results = grade(args.source, submissions, folder, jobs=args.jobs, limits=limits,
                        progress=bar)
    seconds = time.monotonic() - started
    _class_table(results, [q.name for q in exercise.questions], out)
    problems = sum(1 for r in results if r.status != "ok")
    print(f"\nGraded {len(results)} submissions in {seconds:.0f} s (-j {args.jobs}); "
          f"{problems} with problems (named in their feedback).", file=out)
    _where(folder, sum(r.to_read for r in results), out)
    return EXIT_OK


def _class_table(results: Sequence[object], names: list[str], out: TextIO) -> None:
    """Points per trainee and question ("…" for a written answer not read yet), and averages."""
    from minichain.grading.results import points_text

    rows: list[list[object]] = [
        [r.trainee, *(points_text(q.points) if q.graded else "…" for q in r.questions),
         f"{points_text(r.total)}/{points_text(r.max_points)}", r.status] for r in results]
    average = [f"{sum(r.questions[i].points for r in results) / len(results):.1f}"
               for i in range(len(names))]
    top = points_text(results[0].max_points) if results else "0"
    rows.append(["(average)", *average,
                 f"{sum(r.total for r in results) / max(len(results), 1):.1f}/{top}", ""])
    _table(["trainee", *names, "total", "status"], rows, out, right=range(1, len(names) + 2))


def _where(folder: Path, waiting: int, out: TextIO) -> None:
    print(f"Gradebook: {folder / 'grades.csv'}   Feedback: {folder / 'feedback'}/<trainee>.html",
          file=out)
    if waiting:
        print(f"{waiting} written answers wait for you: fill in the points column of "
              f"{folder / 'written-answers.csv'} (in a spreadsheet; save as CSV UTF-8), then "
              f"run `minichain merge-written {folder}`.", file=out)


def _merge_written(args: argparse.Namespace, out: TextIO) -> int:
    from minichain.grading.gradebook import GradebookError, merge_written, read_class

    folder = Path(args.folder)
    if not folder.is_dir():
        raise _Failure(f"there is no folder {folder}: give the --out folder of minichain grade.")
    try:
        merged = merge_written(folder)
        book = read_class(folder)
    except GradebookError as problem:
        raise _Failure(f"{problem} Nothing was changed.") from None
    _class_table(book.results, book.questions, out)
    print(f"\nMerged the points of {merged.read} written answers into the gradebook and the "
          "feedback pages.", file=out)
    _where(folder, merged.waiting, out)
    return EXIT_OK


# -- the command line ----------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minichain",
        description="A teaching blockchain for e-commerce: chain files and lessons.",
        epilog="Exit codes: 0 ok, 1 verify found an invalid chain, 2 wrong command line or "
               "unusable file, 70 internal error, 130 interrupted (and 1 when release --check "
               "finds an exercise out of date).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="the shop story: a customer pays a shop through escrow",
        description="Tell the shop story in the terminal: a consortium chain, an escrow "
                    "contract for one order, the customer pays, the shop ships and is paid; "
                    "then balances and blocks. The same output on every run.")
    demo.add_argument("--db", metavar="PATH",
                      help="keep the chain in a new file at PATH (default: a temporary file)")
    demo.set_defaults(run=_demo)

    explore = commands.add_parser(
        "explore", help="show the blocks, transactions, balances and contracts of a chain file",
        description="Show what a chain file holds: the chain's rules, its latest blocks and "
                    "their transactions, every balance, and the state of every contract. "
                    "The file is only read.")
    explore.add_argument("path", metavar="PATH", help="the chain file")
    explore.add_argument("--last", type=int, default=20, metavar="N",
                         help="show the last N blocks (default 20; 0 shows every block)")
    explore.set_defaults(run=_explore)

    verify = commands.add_parser(
        "verify", help="check that a chain file is valid",
        description="Check a chain file and name the first invalid block. Always checked: "
                    "every block is stored under its own hash and links to its parent, and "
                    "along the main chain its Merkle root, receipts, reward and state root "
                    "match. --full also re-validates every block from genesis on a fresh node, "
                    "every signature and seal included. Exit code 0: valid; 1: not valid. "
                    "The file is only read.")
    verify.add_argument("path", metavar="PATH", help="the chain file")
    verify.add_argument("--full", action="store_true",
                        help="re-check every signature and seal too (slower; on every "
                             "core, or as many as MINICHAIN_WORKERS says)")
    verify.set_defaults(run=_verify)

    lab = commands.add_parser("lab", help="open JupyterLab on the lessons",
                              description="Open JupyterLab on the lessons folder.")
    lab.add_argument("folder", nargs="?", default=str(LESSONS),
                     help="the folder to open (default: the project's lessons/)")
    lab.set_defaults(run=_lab)

    release = commands.add_parser(
        "release", help="write the trainee exercise notebooks from the instructor's sources",
        description="Write each trainee notebook from its source: every solution replaced by "
                    "`name = ...  # your answer here`, hidden tests removed, everything else "
                    "as it is. Without arguments: every exercises/source/*.ipynb into "
                    "exercises/. --check changes nothing and exits 1 if a release is out of "
                    "date.")
    release.add_argument("sources", nargs="*", metavar="SOURCE",
                         help="source notebooks (default: exercises/source/*.ipynb)")
    release.add_argument("--out", metavar="DIR",
                         help="where to write (default: the folder above the source's)")
    release.add_argument("--check", action="store_true",
                         help="only check that the released notebooks are up to date")
    release.set_defaults(run=_release)

    grade = commands.add_parser(
        "grade", help="grade a class's submissions of one exercise",
        description="Run every submission in a fresh kernel of its own (a temporary folder, a "
                    "timeout per cell, memory and CPU limits), with the exercise's check cells "
                    "restored from SOURCE, then score it with every check, hidden ones "
                    "included, in a clean process. Writes DIR/grades.csv (one row per trainee: "
                    "points per question, total, status) and DIR/feedback/<trainee>.html "
                    "(what passed, what is still wrong, hints; never the hidden checks). A "
                    "broken, endless or hostile submission costs only its own points.")
    grade.add_argument("source", metavar="SOURCE", help="the exercise's source notebook")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                       help="trainee notebooks, or folders of them")
    grade.add_argument("--out", required=True, metavar="DIR",
                       help="folder for grades.csv and feedback/ (created if missing)")
    grade.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                       help="grade N submissions at a time (default 1)")
    grade.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                       help="the longest a cell may run (default 30)")
    grade.add_argument("--memory-mb", type=int, default=2048, metavar="MB",
                       help="address space per kernel (default 2048)")
    grade.set_defaults(run=_grade)

    merge = commands.add_parser(
        "merge-written", help="add the points you gave written answers to a graded class",
        description="After `minichain grade … --out DIR`, fill in the points (and, if you like, "
                    "a comment) of each row of DIR/written-answers.csv, then run this: the "
                    "points go into DIR/grades.csv and every trainee's feedback page. Every "
                    "row is checked first (a number, not more than the question is worth, a "
                    "trainee and question of this class); a row with a mistake changes "
                    "nothing. Rows left empty stay to be read.")
    merge.add_argument("folder", metavar="DIR", help="the folder minichain grade wrote")
    merge.set_defaults(run=_merge_written)
    return parser


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("minichain")
    except Exception:  # not installed as a package
        return "(development)"


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit code (see the module docstring)."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args, sys.stdout)
    except KeyboardInterrupt:
        print("minichain: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`minichain explore x | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except _Failure as failure:
        print(f"minichain: {failure}", file=sys.stderr)
        return failure.code
    except store.ChainFileError as problem:
        print(f"minichain: {problem}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as bug:  # never a traceback for the user; one line, and a way to see more
        if os.environ.get("MINICHAIN_DEBUG"):
            raise
        print(f"minichain: internal error ({type(bug).__name__}: {bug}); please report it "
              "(MINICHAIN_DEBUG=1 shows the traceback).", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
