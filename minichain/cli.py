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
import unicodedata
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
from minichain.language import (LANGUAGES, language_of_folder, person, say, speaking, translate,
                                translate_in)
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
            self.stream.write("\r" + " " * (_width(self.label) + self.WIDTH + 9) + "\r")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# -- showing a chain -----------------------------------------------------------------------------

def _names(chain: Blockchain) -> dict[str, str]:
    """Address -> a name to show: teaching wallets and the contracts on the chain."""
    names = {Wallet.from_seed(name).address: person(name) for name in TEACHING_NAMES}
    for key, value in chain.state.items("contract:"):
        address = key[len("contract:"):]
        names[address] = f"{value.decode('utf-8', 'replace')} {short(address)}"
    return names


def _who(address: str, names: dict[str, str]) -> str:
    return names.get(address) or short(address)


def _time(timestamp: int) -> str:
    return date_text(timestamp).removesuffix(" UTC")


def _width(text: str) -> int:
    """How many columns `text` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    """`text` padded with spaces to `width` terminal columns (on the left if `right`)."""
    spaces = " " * max(0, width - _width(text))
    return spaces + text if right else text + spaces


def _field(label: str, text: str) -> str:
    """One line of a summary: the label in a column of its own, then the text."""
    return "  " + _pad(label, 11) + text


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], out: TextIO,
           right: Sequence[int] = ()) -> None:
    """Columns padded to fit; columns numbered in `right` are aligned right (numbers)."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        line = "  ".join(_pad(cell, w, right=i in right)
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
        return say("deploy {contract}", contract=message["deploy"])
    if isinstance(message, dict) and "call" in message:
        return say("{method}() on {contract}", method=message["call"],
                   contract=_who(tx.recipient, names))
    return say("pay {recipient}", recipient=_who(tx.recipient, names))


def _event_words(event, names: dict[str, str]) -> str:
    """Name(field=value, …) with known addresses shown by name."""
    fields = ", ".join(f"{key}={names.get(value, value) if isinstance(value, str) else value}"
                       for key, value in event.fields.items())
    return f"{event.name}({fields})"


def _engine_words(chain: Blockchain, names: dict[str, str]) -> str:
    engine = chain.engine
    if engine.name == "proof of authority":
        validators = ", ".join(_who(v, names) for v in sorted(engine.validators, key=str.lower))
        return say("proof of authority (EIP-225): validators {validators}; a block every "
                   "{period} s; checkpoint every {epoch} blocks", validators=validators,
                   period=engine.period, epoch=engine.epoch)
    return say("proof of work: a block every {spacing} s, retarget every {interval} blocks, "
               "{subsidy} coins per block", spacing=engine.target_spacing,
               interval=engine.retarget_interval, subsidy=engine.block_subsidy)


def _show_blocks(chain: Blockchain, blocks: Sequence[Block], names: dict[str, str],
                 out: TextIO) -> None:
    _table([translate("height"), translate("hash"), translate("time (UTC)"),
            translate("producer"), translate("txs"), translate("bytes")],
           [(b.height, short(b.hash), _time(b.header.timestamp),
             "-" if b.height == 0 else _who(b.header.coinbase, names), len(b.transactions),
             b.size) for b in blocks], out, right=(0, 4, 5))


def _show_transactions(chain: Blockchain, blocks: Sequence[Block], names: dict[str, str],
                       out: TextIO) -> None:
    rows = []
    for block in blocks:
        receipts = chain.receipts(block.hash)
        for index, (tx, receipt) in enumerate(zip(block.transactions, receipts)):
            # TRANSLATORS: the result of a transaction that was carried out.
            result = translate("ok") if receipt.success else say("refused: {error}",
                                                                 error=receipt.error)
            rows.append((block.height, index, short(tx.txid), _who(tx.sender, names),
                         _what(tx, names), tx.amount, receipt.fee, result))
    if rows:
        _table([translate("block"), "#", "txid", translate("from"), translate("what"),
                translate("amount"), translate("fee"), translate("result")], rows, out,
               right=(0, 1, 5, 6))
    else:
        print("  " + translate("(none)"), file=out)


def _show_balances(chain: Blockchain, names: dict[str, str], out: TextIO) -> None:
    # TRANSLATORS: "nonce" is the account's payment counter (交易序号), not proof of work's.
    _table([translate("address"), translate("who"), translate("balance"),
            translate_in("payment counter", "nonce")],
           [(address, names.get(address, ""), account.balance, account.nonce)
            for address, account in chain.state.accounts()], out, right=(2, 3))


def _show_contracts(chain: Blockchain, names: dict[str, str], out: TextIO) -> None:
    contracts = [(key[len("contract:"):], value.decode("utf-8", "replace"))
                 for key, value in chain.state.items("contract:")]
    if not contracts:
        print("  " + translate("(none)"), file=out)
    for address, name in contracts:
        print("  " + say("{address}  {contract}, holding {balance}", address=address,
                         contract=name, balance=chain.balance(address)), file=out)
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
        print(say("minichain demo: a customer pays a shop through escrow, on a consortium "
                  "chain"), file=out)
        print(file=out)
        print(_field(translate("chain"), _engine_words(chain, names)), file=out)
        print(_field(translate("file"), shown_path
                     or say("a temporary file (keep one with --db PATH)")), file=out)
        for who, wallet, amount in (("customer", customer, 1000), ("shop", shop, 300)):
            print(_field(person(who), say("{address}  holds {amount}", address=wallet.address,
                                          amount=amount)), file=out)
        print(file=out)

        def step(number: int, text: str) -> Block:
            block = chain.produce_block()
            names.update(_names(chain))
            print(f"{number}. {text}", file=out)
            print("   " + say("block {height} ({hash}) sealed by {validator} at {time}",
                              height=block.height, hash=short(block.hash),
                              validator=_who(block.header.coinbase, names),
                              time=_time(block.header.timestamp)), file=out)
            for receipt in chain.receipts(block.hash):
                for event in receipt.events:
                    print("   " + say("event {event}", event=_event_words(event, names)),
                          file=out)
            return block

        order = ContractClient.deploy(chain, platform, "OrderEscrow", buyer=customer.address,
                                      seller=shop.address, arbiter=platform.address,
                                      price=PRICE, order=ORDER)
        step(1, say("The platform opens order {order} in an escrow contract: price {price}, "
                    "the shop has an hour to ship.", order=ORDER, price=PRICE))
        print("   " + say("the contract lives at {address}", address=order.address), file=out)
        order.call(customer, "fund", value=PRICE)
        step(2, say("The customer pays {price} into the escrow, not to the shop: neither side "
                    "can take it alone.", price=PRICE))
        print("   " + say("the escrow holds {escrow}; the shop has {shop}", escrow=order.balance,
                          shop=chain.balance(shop.address)), file=out)
        tracking = hashlib.sha256(TRACKING.encode()).hexdigest()[:16]
        order.call(shop, "ship", tracking_hash=tracking)
        step(3, say("The shop ships and records a hash of the tracking number (not the number "
                    "itself)."))
        order.call(customer, "confirm")
        step(4, say("The customer confirms delivery: the escrow now owes the shop {price}.",
                    price=PRICE))
        order.call(shop, "withdraw")
        step(5, say("The shop withdraws its {price}: the order is {state}.", price=PRICE,
                    state=order["state"]))
        print(file=out)
        print(say("Balances (fees went to the validator who sealed each block)"), file=out)
        _show_balances(chain, names, out)
        print(file=out)
        print(translate("Blocks"), file=out)
        _show_blocks(chain, chain.blocks, names, out)
        print(file=out)
        if shown_path:
            print(say("The chain is kept in {path}: look at it with `minichain explore {path}` "
                      "and check it with `minichain verify {path} --full`.", path=shown_path),
                  file=out)
        else:
            print(say("Keep the chain in a file with `minichain demo --db shop.chain`, then try "
                      "`minichain explore shop.chain` and `minichain verify shop.chain --full`."),
                  file=out)
    finally:
        chain.close()
    return EXIT_OK


# -- explore -------------------------------------------------------------------------------------

def _explore(args: argparse.Namespace, out: TextIO) -> int:
    if args.last < 0:
        raise _Failure(say("--last must be 0 (every block) or more."))
    path = Path(args.path)
    with ProgressBar(say("reading {file}", file=path.name)) as bar:
        chain = store.open_chain(path, read_only=True, progress=bar)
    chain.close()
    names = _names(chain)
    side = sum(1 for _ in store.stored_blocks(chain)) - chain.height - 1
    print(say("{path}: a minichain chain file (format {version}), {size:,} bytes",
              path=args.path, version=store.SCHEMA_VERSION, size=os.path.getsize(path)),
          file=out)
    print(_field(translate("chain"), say("{name}, chain id {chain_id}",
                                         name=repr(chain.params.name),
                                         chain_id=chain.params.chain_id)), file=out)
    print(_field(translate("consensus"), _engine_words(chain, names)), file=out)
    runtime = chain.runtime
    print(_field(translate("contracts"), say("on (gas price {price})", price=runtime.gas_price)
                 if runtime else translate("off")), file=out)
    print(_field(translate("blocks"), say(
        "{count} on the main chain, {side} on side branches; tip {height} ({hash}) at {time} UTC",
        count=chain.height + 1, side=side, height=chain.height, hash=short(chain.tip.hash),
        time=_time(chain.tip.header.timestamp))), file=out)
    print(_field(translate("money"), say("{coins} coins in {accounts} accounts",
                                         coins=chain.state.total_supply(),
                                         accounts=len(list(chain.state.accounts())))), file=out)
    blocks = chain.blocks if args.last == 0 else chain.blocks[-args.last:]
    print(file=out)
    print(say("Blocks (every block)") if len(blocks) == chain.height + 1 else
          say("Blocks (the last {count})", count=len(blocks)), file=out)
    _show_blocks(chain, blocks, names, out)
    print(file=out)
    print(say("Transactions (in those blocks)") if len(blocks) <= chain.height else
          translate("Transactions"), file=out)
    _show_transactions(chain, blocks, names, out)
    print(file=out)
    print(translate("Balances"), file=out)
    _show_balances(chain, names, out)
    print(file=out)
    print(translate("Contracts"), file=out)
    _show_contracts(chain, names, out)
    return EXIT_OK


# -- verify --------------------------------------------------------------------------------------

def _verify(args: argparse.Namespace, out: TextIO) -> int:
    path = Path(args.path)
    try:
        with ProgressBar(say("checking {file}", file=path.name)) as bar:
            chain = store.verify_chain_file(path, full=args.full, progress=bar)
    except store.CorruptChainFile as problem:
        print(say("{path} is NOT valid: {problem}", path=args.path, problem=_sentence(problem)),
              file=out)
        return EXIT_INVALID
    finally:
        signature_batch.shutdown()  # --full checks signatures on every core: stop the workers
    values = dict(path=args.path, count=chain.height + 1, height=chain.height,
                  hash=short(chain.tip.hash))
    if args.full:
        print(say("{path} is valid: {count} blocks, tip {height} ({hash}); checked hash links, "
                  "Merkle roots, receipts, rewards and state roots, and every block re-validated "
                  "from genesis, every signature and seal included.", **values), file=out)
    else:
        print(say("{path} is valid: {count} blocks, tip {height} ({hash}); checked hash links, "
                  "Merkle roots, receipts, rewards and state roots.", **values), file=out)
    return EXIT_OK


def _sentence(problem: store.CorruptChainFile) -> str:
    """The problem without repeating the file's name."""
    if isinstance(problem, store.InvalidStoredBlock):
        return say("block {height} ({hash}): {reason}.", height=problem.height,
                   hash=short(problem.block_hash), reason=problem.reason)
    # TRANSLATORS: {reason} is a sentence saying what is wrong with a chain file.
    return say("{reason}.", reason=problem.reason)


# -- lab -----------------------------------------------------------------------------------------

def _lab(args: argparse.Namespace, out: TextIO) -> int:
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) \
        or shutil.which("jupyter")
    if jupyter is None:
        raise _Failure(say("JupyterLab is not installed here; run `make lab` from the project "
                           "folder, which installs it."))
    folder = Path(args.folder or (LESSONS / args.lang if args.lang != "en" else LESSONS))
    if not folder.is_dir():
        raise _Failure(say("there is no lessons folder at {folder}.", folder=folder))
    command = [jupyter, "lab", f"--ServerApp.root_dir={folder}"]
    env = dict(os.environ)
    if args.lang != "en":
        command.append(f"--LabApp.app_settings_dir={_lab_settings(args.lang)}")
        env["MINICHAIN_LANG"] = args.lang  # the kernels speak it too
    if _running_as_root():  # JupyterLab refuses root unless told; containers and CI run as root
        command.append("--allow-root")
    command += args.jupyter_options
    if not hasattr(os, "execve"):  # Windows
        return subprocess.call(command, env=env)
    sys.stdout.flush()
    os.execve(jupyter, command, env)  # JupyterLab takes this process's place, signals reach it
    return EXIT_OK


def _lab_settings(language: str) -> Path:
    """JupyterLab's application settings for a run in `language`: its interface language set
    through overrides.json (https://jupyterlab.readthedocs.io/en/latest/user/directories.html),
    so the user's own settings are not touched. Written each time into Jupyter's data folder."""
    from jupyter_core.paths import jupyter_data_dir

    folder = Path(jupyter_data_dir()) / "minichain" / f"lab-settings-{language}"
    folder.mkdir(parents=True, exist_ok=True)
    overrides = {"@jupyterlab/translation-extension:plugin": {"locale": language}}
    (folder / "overrides.json").write_text(json.dumps(overrides, indent=2), encoding="utf-8")
    return folder


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


# -- release -------------------------------------------------------------------------------------

def _release(args: argparse.Namespace, out: TextIO) -> int:
    from minichain.grading.exercise import Exercise, ExerciseError, released_json

    sources = [Path(p) for p in args.sources] or sorted((EXERCISES / "source").glob("*.ipynb"))
    if not sources:
        raise _Failure(say("there are no exercise sources in {folder}.",
                           folder=EXERCISES / "source"))
    stale = []
    for source in sources:
        try:
            exercise = Exercise.read(source)
        except ExerciseError as problem:
            raise _Failure(str(problem)) from None
        folder = Path(args.out) if args.out else source.resolve().parent.parent
        if not folder.is_dir():
            raise _Failure(say("there is no folder {folder} to release into.", folder=folder))
        target = folder / source.name
        text = released_json(exercise)
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        size = dict(target=target, questions=len(exercise.questions),
                    points=exercise.max_points)
        if args.check:
            if current != text:
                stale.append(target)
                print(say("{target} is out of date: run `minichain release`.", target=target),
                      file=out)
            continue
        if current == text:
            print(say("{target} is up to date ({questions} questions, {points:g} points).",
                      **size), file=out)
        else:
            target.write_text(text, encoding="utf-8")
            print(say("wrote {target} ({questions} questions, {points:g} points).", **size),
                  file=out)
    if args.check and not stale:
        print(say("{count} released exercises are up to date.", count=len(sources)), file=out)
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
        raise _Failure(say("-j must be 1 or more."))
    if args.timeout <= 0:
        raise _Failure(say("--timeout must be more than 0 seconds."))
    try:
        from minichain.grading.exercise import Exercise, ExerciseError
        from minichain.grading.grader import grade
        from minichain.grading.kernel import KernelLimits
        from minichain.grading.kernel_user import kernel_user_problem
    except ImportError as missing:
        raise _Failure(say("grading needs Jupyter's kernel libraries ({module} is missing); "
                           "install them with `pip install -e '.[test]'`.",
                           module=missing.name)) from None
    try:
        exercise = Exercise.read(args.source)
    except ExerciseError as problem:
        raise _Failure(str(problem)) from None
    submissions = _submissions(args.submissions, args.source)
    if not submissions:
        raise _Failure(say("there are no notebooks to grade in {paths}.",
                           paths=", ".join(args.submissions)))
    folder = Path(args.out)
    if folder.exists() and not folder.is_dir():
        raise _Failure(say("{folder} is a file; --out needs a folder.", folder=folder))
    if not folder.parent.is_dir():
        raise _Failure(say("there is no folder {parent} to put {name} in.",
                           parent=folder.parent, name=folder.name))
    kernel_users = list(dict.fromkeys(name.strip() for name in args.kernel_user.split(",")
                                      if name.strip()))
    for user in kernel_users:
        problem = kernel_user_problem(user)
        if problem:
            raise _Failure(say("--kernel-user: {problem}.", problem=problem))
    limits = KernelLimits(cell_timeout=args.timeout, memory_mb=args.memory_mb)
    # a Chinese exercise (its source in exercises/zh_CN/source) is graded, and fed back, in Chinese
    with speaking(language_of_folder(Path(args.source).parent)):
        started = time.monotonic()
        with ProgressBar(say("grading {count} submissions", count=len(submissions))) as bar:
            results = grade(args.source, submissions, folder, jobs=args.jobs, limits=limits,
                            progress=bar, kernel_users=kernel_users)
        seconds = time.monotonic() - started
        _class_table(results, [q.name for q in exercise.questions], out)
        problems = sum(1 for r in results if r.status != "ok")
        print(file=out)
        print(say("Graded {count} submissions in {seconds:.0f} s (-j {jobs}); {problems} with "
                  "problems (named in their feedback).", count=len(results), seconds=seconds,
                  jobs=args.jobs, problems=problems), file=out)
        _where(folder, sum(r.to_read for r in results), out)
    return EXIT_OK


def _class_table(results: Sequence[object], names: list[str], out: TextIO) -> None:
    """Points per trainee and question ("…" for a written answer not read yet), and averages."""
    from minichain.grading.results import points_text, status_label

    rows: list[list[object]] = [
        [r.trainee, *(points_text(q.points) if q.graded else "…" for q in r.questions),
         f"{points_text(r.total)}/{points_text(r.max_points)}", status_label(r.status)]
        for r in results]
    average = [f"{sum(r.questions[i].points for r in results) / len(results):.1f}"
               for i in range(len(names))]
    top = points_text(results[0].max_points) if results else "0"
    rows.append([translate("(average)"), *average,
                 f"{sum(r.total for r in results) / max(len(results), 1):.1f}/{top}", ""])
    _table([translate("trainee"), *names, translate("total"), translate("status")], rows, out,
           right=range(1, len(names) + 2))


def _where(folder: Path, waiting: int, out: TextIO) -> None:
    print(say("Gradebook: {gradebook}   Feedback: {feedback}/<trainee>.html",
              gradebook=folder / "grades.csv", feedback=folder / "feedback"), file=out)
    if waiting:
        # TRANSLATORS: "points" is the name of a column of the sheet; it stays in English there.
        print(say("{count} written answers wait for you: fill in the points column of {sheet} "
                  "(in a spreadsheet; save as CSV UTF-8), then run `minichain merge-written "
                  "{folder}`.", count=waiting, sheet=folder / "written-answers.csv",
                  folder=folder), file=out)


def _merge_written(args: argparse.Namespace, out: TextIO) -> int:
    from minichain.grading.gradebook import GradebookError, merge_written, read_class

    folder = Path(args.folder)
    if not folder.is_dir():
        raise _Failure(say("there is no folder {folder}: give the --out folder of minichain "
                           "grade.", folder=folder))
    try:
        merged = merge_written(folder)
        book = read_class(folder)
    except GradebookError as problem:
        raise _Failure(say("{problem} Nothing was changed.", problem=problem)) from None
    _class_table(book.results, book.questions, out)
    print(file=out)
    print(say("Merged the points of {count} written answers into the gradebook and the "
              "feedback pages.", count=merged.read), file=out)
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
                              description="Open JupyterLab on the lessons folder. Options for "
                                          "JupyterLab itself go after --.")
    lab.add_argument("folder", nargs="?",
                     help="the folder to open (default: the project's lessons/, or "
                          "lessons/zh_CN/ with --lang zh_CN)")
    lab.add_argument("--lang", choices=LANGUAGES, default="en",
                     help="the language of JupyterLab's interface and of the kit's messages "
                          "(zh_CN: Simplified Chinese, on the Chinese lessons)")
    lab.add_argument("jupyter_options", nargs="*", metavar="JUPYTERLAB_OPTION",
                     help="passed on to JupyterLab, after -- (e.g. -- --no-browser)")
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
    grade.add_argument("--kernel-user", default="", metavar="USER[,USER…]",
                       help="run every submission's kernel as one of these Unix users, through "
                            "sudo, never two kernels at once as the same: an operating-system "
                            "boundary between the notebooks, and between them and your files. "
                            "Give 2×N users for -j N (a kernel waits ahead for each job). Each "
                            "must be an account that owns nothing and cannot log in; you need a "
                            "sudo rule to run env as them and to be in their groups (the class "
                            "server sets this up). Every process of a user is ended after each "
                            "kernel.")
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

    from minichain.classroom.commands import add_commands

    add_commands(commands)
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
        print("minichain: " + say("interrupted."), file=sys.stderr)
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
        error = f"{type(bug).__name__}: {bug}"
        print("minichain: " + say("internal error ({error}); please report it "
                                  "(MINICHAIN_DEBUG=1 shows the traceback).", error=error),
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
