"""The miner: how much work a proof of work is, and why it costs energy (lesson 04)."""

from __future__ import annotations

import time

import ipywidgets as w

from minichain.block import BlockHeader
from minichain.chain import Blockchain
# mine_with_zero_bits lives with the rules in consensus.proof_of_work; lesson 04 imports it
# from here too
from minichain.consensus.proof_of_work import bits_to_target, mine_with_zero_bits
from minichain.language import say, translate
from minichain.widgets import render
from minichain.widgets import style as s

__all__ = ["MinerView", "mine_with_zero_bits"]

MAX_ZERO_BITS = 24


class MinerView(w.VBox):
    """A difficulty slider (leading zero bits) and a "Mine" button.

    The trainee picks a difficulty and mines the next block: the view shows how many attempts
    (hashes, the energy proxy) it took against the 2^bits expected, the winning hash, and in a
    separate label the seconds it took on this machine. Each extra bit doubles the work.
    """

    def __init__(self, source: Blockchain | BlockHeader, *, zero_bits: int = 12):
        if isinstance(source, Blockchain):
            self.header = source.tip.header if not source.producers else \
                source.build_block().header
        else:
            self.header = source
        self.difficulty = w.IntSlider(value=zero_bits, min=0, max=MAX_ZERO_BITS,
                                      description=translate("zero bits"),
                                      continuous_update=False)
        self.mine_button = w.Button(description=translate("Mine"), icon="hammer",
                                    button_style="primary")
        self.result = w.HTML()
        self.elapsed = w.Label()  # wall-clock: lessons mark its cell NBVAL_IGNORE_OUTPUT
        self.attempts = 0
        self.hashes_total = 0
        self.sealed: BlockHeader | None = None
        self.mine_button.on_click(lambda _b: self.mine())
        self.difficulty.observe(lambda _c: self._ready(), names="value")
        super().__init__([w.HBox([self.difficulty, self.mine_button]), self.result,
                          self.elapsed])
        s.fit_text(self)  # every label and button text in full

    def _ready(self) -> None:
        """A new difficulty: the last result no longer applies; say what Mine will now do."""
        bits = self.difficulty.value
        self.result.value = say("Ready to mine at {bits} zero bits (about {expected:,} hashes "
                                "expected): press Mine.", bits=bits, expected=2 ** bits)
        self.elapsed.value = ""

    def mine(self) -> BlockHeader:
        zero_bits = self.difficulty.value
        start = time.perf_counter()
        self.sealed, self.attempts = mine_with_zero_bits(self.header, zero_bits)
        seconds = time.perf_counter() - start
        self.hashes_total += self.attempts
        target = bits_to_target(self.sealed.difficulty)
        self.result.value = render.mining_result(zero_bits, target, self.attempts,
                                                 self.sealed.hash)
        rate = self.attempts / seconds if seconds > 0 else 0.0
        self.elapsed.value = say("{seconds:.3f} s on this machine ({rate:,.0f} hashes/s); "
                                 "{total:,} hashes in all so far", seconds=seconds, rate=rate,
                                 total=self.hashes_total)
        return self.sealed
