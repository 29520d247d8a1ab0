"""A fraud monitor that watches a chain as blocks arrive, and its mempool before they do.

Like a monitoring service reading a node, the monitor asks the chain what is new each time
`update()` is called (a widget calls it after every block): it walks the main chain's blocks it
has not seen, runs every rule on every payment in order, then tries the payments still waiting
in the mempool against what it has seen, so an alert can be raised before the payment is even
in a block (flagged "pending"). Confirmed alerts are kept; pending ones are recomputed on every
update, because a waiting payment may yet be dropped or replaced.

Rules and their sources: `minichain.monitoring.rules` (FATF red-flag indicators, 2020; robust
z-scores after Iglewicz and Hoaglin, 1993). If the chain reorganises, the monitor rebuilds its
history from the new main chain; alerts about blocks that were abandoned stay in the list (a
person may already have acted on them) and alerts for blocks it already judged are not repeated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from minichain.block import Block
from minichain.chain import Blockchain
from minichain.monitoring.rules import Alert, History, Payment, Rule, default_rules

__all__ = ["FraudMonitor"]


class FraudMonitor:
    """Watches `chain` for the red flags of `rules`; `shops` are the merchants' addresses."""

    def __init__(self, chain: Blockchain, shops: Iterable[str],
                 rules: Sequence[Rule] | None = None):
        self.chain = chain
        self.shops = frozenset(shops)
        self.rules: list[Rule] = list(default_rules() if rules is None else rules)
        self.alerts: list[Alert] = []  # confirmed, oldest first
        self.pending_alerts: list[Alert] = []  # about payments still in the mempool
        self.history = self._fresh_history()
        self._judged: set[bytes] = set()  # hashes of blocks whose payments were checked
        self._seen: list[bytes] = [chain.genesis.hash]  # the main chain as last read

    def _fresh_history(self) -> History:
        history = History(self.shops)
        for address in self.chain.params.allocations:
            history.seen(address, 0)
        return history

    # -- reading the chain ---------------------------------------------------------------------
    def update(self) -> list[Alert]:
        """Check the blocks added since the last update and the mempool; returns the new
        confirmed alerts followed by the current pending ones."""
        blocks = self._new_blocks()
        raised: list[Alert] = []
        for block in blocks:
            raised += self._process(block, judge=block.hash not in self._judged)
            self._judged.add(block.hash)
        self.alerts += raised
        self.pending_alerts = self._check_pending()
        return raised + self.pending_alerts

    def _new_blocks(self) -> list[Block]:
        """Main-chain blocks not yet in the history; after a reorganisation, the history is
        rebuilt and every main-chain block is returned (those judged before raise nothing)."""
        height = len(self._seen) - 1
        still_main = height <= self.chain.height and \
            self.chain.block(height).hash == self._seen[-1]
        if not still_main:
            self.history = self._fresh_history()
            self._seen = [self.chain.genesis.hash]
            height = 0
        fresh = [self.chain.block(h) for h in range(height + 1, self.chain.height + 1)]
        self._seen += [block.hash for block in fresh]
        return fresh

    def _process(self, block: Block, *, judge: bool) -> list[Alert]:
        raised: list[Alert] = []
        self.history.seen(block.header.coinbase, block.height)
        for tx in block.transactions:
            receipt = self.chain.receipt(tx.txid)
            if receipt is not None and not receipt.success:
                continue  # a failed call moved no money
            payment = Payment(tx.txid, tx.sender, tx.recipient, tx.amount, block.height)
            if judge:
                raised += self._judge(payment, self.history)
            self.history.record(payment)
        return raised

    def _judge(self, payment: Payment, history: History) -> list[Alert]:
        return [alert for rule in self.rules
                if (alert := rule.check(payment, history)) is not None]

    def _check_pending(self) -> list[Alert]:
        """Every waiting payment, in the order a block would take them, against a copy of the
        history (so pending payments see each other but are not remembered)."""
        trial = self.history.copy()
        height = self.chain.height + 1
        raised: list[Alert] = []
        for tx in self.chain.mempool.by_fee():
            payment = Payment(tx.txid, tx.sender, tx.recipient, tx.amount, height, pending=True)
            raised += self._judge(payment, trial)
            trial.record(payment)
        return raised

    # -- reading the alerts --------------------------------------------------------------------
    def flagged(self) -> set[bytes]:
        """Ids of confirmed payments that made at least one rule fire."""
        return {alert.txid for alert in self.alerts}

    def alerts_for(self, txid: bytes) -> list[Alert]:
        return [alert for alert in self.alerts + self.pending_alerts if alert.txid == txid]
