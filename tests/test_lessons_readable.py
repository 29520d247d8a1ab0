"""Lessons speak in names and dates (issue #17): no output shows a Unix timestamp, and outside
lessons 01 and 02, whose subject is hashes and addresses, no output shows the raw address of
someone the lessons have named. Outputs are what the trainee sees: printed text, HTML and the
saved state of every widget."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from minichain import Wallet
from minichain.monitoring import ShopDay

LESSONS = sorted((Path(__file__).resolve().parent.parent / "lessons").glob("*.ipynb"))
ABOUT_ADDRESSES = {"01-fingerprints-and-tamper-evidence", "02-wallets-and-signatures"}
UNIX_TIME = re.compile(r"(?<!\d)1[6-9]\d{8}(?!\d)")  # 2020-09 to 2033-05, in seconds
CITIES = ("Frankfurt", "Shanghai", "Singapore")


def seeds_in_code(nb) -> set[str]:
    """Every literal phrase a lesson's code turns into a wallet (`Wallet.from_seed`)."""
    seeds = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            if "from_seed" in line:  # Wallet.from_seed("shop"), or (… for n in ("a", "b"))
                seeds |= set(re.findall(r'(?<![f{])"([^"{}]+)"', line))
    return seeds


def known_addresses() -> set[str]:
    """The addresses of everyone the lessons name: their seeded cast and the shop day's."""
    seeds = set().union(*(seeds_in_code(nbformat.read(p, as_version=4)) for p in LESSONS))
    seeds |= {f"validator {city}" for city in CITIES}
    addresses = {Wallet.from_seed(seed).address for seed in seeds}
    return addresses | set(ShopDay(seed=11).names)


def shown_texts(nb) -> list[str]:
    """Everything the notebook shows: output text and HTML, and its widgets' saved state."""
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(str(output.get("text", "")))
            texts += [str(value) for kind, value in output.get("data", {}).items()
                      if kind.startswith("text/")]
    state = nb.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model in state.values():
        values = model.get("state", {})
        texts += [str(values[key]) for key in ("value", "description", "tooltip", "placeholder",
                                                "_options_labels") if key in values]
    return texts


def forms(address: str) -> tuple[str, str]:
    return address, f"{address[:6]}…{address[-4:]}"


@pytest.fixture(scope="module")
def named():
    return known_addresses()


def test_the_cast_is_found_in_the_lessons(named):
    customer, platform = Wallet.from_seed("customer"), Wallet.from_seed("platform")
    assert {customer.address, platform.address} <= named and len(named) > 20


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_no_output_shows_a_unix_timestamp(path):
    shown = "\n".join(shown_texts(nbformat.read(path, as_version=4)))
    found = UNIX_TIME.findall(shown)
    assert not found, f"{path.stem} shows seconds since 1970 ({found[:3]}): show a date"


@pytest.mark.parametrize("path", [p for p in LESSONS if p.stem not in ABOUT_ADDRESSES],
                         ids=[p.stem for p in LESSONS if p.stem not in ABOUT_ADDRESSES])
def test_no_output_shows_the_address_of_someone_named(path, named):
    shown = "\n".join(shown_texts(nbformat.read(path, as_version=4)))
    leaks = sorted(form for address in named for form in forms(address) if form in shown)
    assert not leaks, f"{path.stem} shows {leaks[:3]}: remember() the wallet and show its name"
