"""The mempool: valid transactions waiting for a block.

Like Ethereum clients' transaction pools, it keeps each sender's transactions in nonce order and
offers block producers the highest fees first: producers pick, among every sender's next
transaction, the one paying the most, so a sender's later payments never overtake earlier ones.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator

from minichain.errors import TransactionAlreadyInChain, TransactionAlreadyPending
from minichain.state import _Reads, check_nonce_and_funds
from minichain.transaction import Transaction

__all__ = ["Mempool"]


class Mempool:
    """Pending transactions, by id and by sender and nonce."""

    def __init__(self) -> None:
        self._by_id: dict[bytes, Transaction] = {}
        self._by_sender: dict[str, dict[int, Transaction]] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, txid: object) -> bool:
        return txid in self._by_id

    def __iter__(self) -> Iterator[Transaction]:
        return iter(list(self._by_id.values()))

    def get(self, txid: bytes) -> Transaction | None:
        return self._by_id.get(txid)

    def admit(self, tx: Transaction, state: _Reads,
              height_holding: Callable[[bytes], int | None]) -> None:
        """Checklist 4, 5 and 8 against the tip's `state` and what already waits, then keep
        `tx` (its stateless checks come first, in `Blockchain.submit`). `height_holding` tells
        which main-chain block already holds a transaction id, if any."""
        if tx.txid in self._by_id:
            raise TransactionAlreadyPending(tx.txid)
        height = height_holding(tx.txid)
        if height is not None:
            raise TransactionAlreadyInChain(tx.txid, height, tx.sender, tx.nonce)
        nonce = state.nonce(tx.sender)
        check_nonce_and_funds(state, tx, pending=self.next_nonce(tx.sender, nonce) - nonce,
                              waiting=self.spending(tx.sender))
        self.add(tx)

    def add(self, tx: Transaction) -> None:
        self._by_id[tx.txid] = tx
        self._by_sender.setdefault(tx.sender, {})[tx.nonce] = tx

    def remove(self, txid: bytes) -> None:
        tx = self._by_id.pop(txid, None)
        if tx is None:
            return
        pending = self._by_sender[tx.sender]
        del pending[tx.nonce]
        if not pending:
            del self._by_sender[tx.sender]

    def next_nonce(self, sender: str, state_nonce: int) -> int:
        """The nonce the sender's next transaction needs, counting the ones already waiting."""
        pending = self._by_sender.get(sender, {})
        nonce = state_nonce
        while nonce in pending:
            nonce += 1
        return nonce

    def spending(self, sender: str) -> int:
        """What the sender's waiting transactions will spend, amounts and fees."""
        return sum(tx.amount + tx.fee for tx in self._by_sender.get(sender, {}).values())

    def by_fee(self) -> Iterator[Transaction]:
        """Every waiting transaction, highest fee first, each sender's in nonce order."""
        queues = {
            sender: [pending[n] for n in sorted(pending)]
            for sender, pending in self._by_sender.items()
        }
        heap = [(-q[0].fee, q[0].txid, sender, 0) for sender, q in queues.items()]
        heapq.heapify(heap)
        while heap:
            _fee, _txid, sender, position = heapq.heappop(heap)
            queue = queues[sender]
            yield queue[position]
            if position + 1 < len(queue):
                tx = queue[position + 1]
                heapq.heappush(heap, (-tx.fee, tx.txid, sender, position + 1))
