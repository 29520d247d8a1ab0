"""How many payments a second a chain confirms, measured on this machine (lesson 10).

A node must check every payment itself — its signature, nonce and balance — then build, seal and
check the blocks that hold them. `measure_transfers` times exactly that work: customers' payments
are signed beforehand (customers sign on their own phones), then the clock runs while one node
accepts them into its mempool and puts them into blocks until none is left waiting. The
result is what one node of this chain can keep up with, here; how fast the *network* confirms
payments is also bounded by its rules: at most `per_block` transfers every `block_interval`
seconds (`capacity_on_schedule`). Bitcoin's 10-minute blocks bound it to about 7 transfers a
second, Ethereum's 12-second blocks to about 15–30, whatever the nodes' computers could do.

Almost all of a node's time goes into checking signatures, so the result depends on the library
that checks them: libsecp256k1 (Bitcoin Core's C library, what real nodes run) or pure-Python
`ecdsa` (the fallback, and all the browser edition has); `backend=` chooses one
(minichain.crypto.available_backends() lists those installed).

The measurement is the one `bench/bench_transfers.py` makes (validated transfers per second
through `Blockchain`); wall-clock time makes it machine-dependent, so lessons show it as such
and tests check only what is measured, never how fast.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from minichain import crypto
from minichain.chain import Blockchain
from minichain.consensus.engine import engine_title
from minichain.consensus.poa import ProofOfAuthority
from minichain.consensus.proof_of_work import ProofOfWork
from minichain.language import say
from minichain.params import ChainParams
from minichain.transaction import Transaction
from minichain.wallet import Wallet

__all__ = ["CONSENSUS", "Throughput", "measure_transfers", "prepare_transfers"]

CONSENSUS = ("proof of work", "proof of authority")
VALIDATORS = ("platform", "logistics", "bank")  # the consortium of the lessons
MINER = "miner"


@dataclass(frozen=True)
class Throughput:
    """What one run of `measure_transfers` saw."""

    consensus: str  # "proof of work" or "proof of authority"
    transfers: int  # signed transfers confirmed, all of them
    blocks: int  # blocks it took
    seconds: float  # wall-clock seconds: checking, building, sealing and adding the blocks
    per_block: int  # the most transfers a block may hold (the chain's rule)
    block_interval: int  # simulated seconds between blocks on the chain's schedule
    backend: str = ""  # the signature library that checked the payments
    chain: Blockchain | None = field(default=None, repr=False, compare=False)  # the chain built

    @property
    def per_second(self) -> float:
        """Transfers confirmed per wall-clock second on this machine."""
        return self.transfers / self.seconds if self.seconds > 0 else math.inf

    @property
    def capacity_on_schedule(self) -> float:
        """The most transfers a second the chain's rules allow when blocks come on schedule:
        full blocks, one every `block_interval` seconds."""
        return self.per_block / self.block_interval

    def __str__(self) -> str:
        values = dict(consensus=engine_title(self.consensus), transfers=self.transfers,
                      blocks=self.blocks, seconds=self.seconds, per_second=self.per_second)
        if self.backend:
            return say("{consensus}: {transfers:,} transfers in {blocks} blocks, {seconds:.2f} s "
                       "on this machine with {backend}: {per_second:,.0f} transfers/s",
                       backend=self.backend, **values)
        return say("{consensus}: {transfers:,} transfers in {blocks} blocks, {seconds:.2f} s on "
                   "this machine: {per_second:,.0f} transfers/s", **values)


def _chain(consensus: str, customers: list[Wallet], per_block: int,
           engine_options: dict[str, Any]) -> Blockchain:
    params = ChainParams(allocations={c.address: 10**9 for c in customers},
                         max_block_transactions=per_block)
    if consensus == "proof of work":
        return Blockchain(ProofOfWork(**engine_options), params,
                          producers=[Wallet.from_seed(MINER)])
    if consensus == "proof of authority":
        validators = [Wallet.from_seed(name) for name in VALIDATORS]
        engine = ProofOfAuthority(validators=tuple(v.address for v in validators),
                                  **engine_options)
        return Blockchain(engine, params, producers=validators)
    raise ValueError(say("the consensus must be one of {choices}, not {consensus!r}",
                         choices=", ".join(map(repr, CONSENSUS)), consensus=consensus))


def prepare_transfers(chain: Blockchain, count: int, *, senders: int = 20,
                      to: str | None = None) -> list[Transaction]:
    """`count` signed payments of 1 coin to `to` (the teaching wallet "shop" by default), from
    `senders` customers "customer 0", "customer 1", … taking turns, each with its next nonce."""
    if type(count) is not int or count < 0:
        raise ValueError(say("the number of transfers must be a whole number, not {count!r}",
                             count=count))
    if type(senders) is not int or senders < 1:
        raise ValueError(say("there must be at least one sender, not {senders!r}",
                             senders=senders))
    customers = [Wallet.from_seed(f"customer {i}") for i in range(senders)]
    recipient = to or Wallet.from_seed("shop").address
    return [customers[i % senders].pay(recipient, 1, chain=chain,
                                       nonce=chain.next_nonce(customers[i % senders].address)
                                       + i // senders)
            for i in range(count)]


def measure_transfers(consensus: str = "proof of authority", transfers: int = 400, *,
                      senders: int = 20, per_block: int = 100,
                      timer: Callable[[], float] = time.perf_counter,
                      backend: str | None = None, **engine_options: Any) -> Throughput:
    """Time one node confirming `transfers` signed payments on a fresh chain.

    `consensus` is "proof of work" (Bitcoin's rules, regtest difficulty unless `initial_bits`
    and `pow_limit_bits` say otherwise) or "proof of authority" (the platform, the logistics
    company and the bank seal in turn). Blocks hold at most `per_block` transfers. The payments
    are signed before the clock starts; `timer` is the clock (wall-clock by default).
    `backend` names the signature library (the one in use by default).
    Raises RuntimeError if any payment fails to be confirmed.
    """
    if backend is not None:
        with crypto.use_backend(backend):
            return measure_transfers(consensus, transfers, senders=senders, per_block=per_block,
                                     timer=timer, **engine_options)
    if type(per_block) is not int or per_block < 1:
        raise ValueError(say("a block must hold at least one transfer, not {per_block!r}",
                             per_block=per_block))
    customers = [Wallet.from_seed(f"customer {i}") for i in range(senders)]
    chain = _chain(consensus, customers, per_block, engine_options)
    payments = prepare_transfers(chain, transfers, senders=senders)
    start = timer()
    for payment in payments:
        chain.submit(payment)
    while len(chain.mempool):
        chain.produce_block()
    seconds = timer() - start
    unconfirmed = sum(1 for payment in payments if chain.confirmations(payment.txid) < 1)
    if unconfirmed:
        raise RuntimeError(say("{unconfirmed} of {transfers} transfers were not confirmed",
                               unconfirmed=unconfirmed, transfers=transfers))
    return Throughput(consensus=chain.engine.name, transfers=transfers, blocks=chain.height,
                      seconds=seconds, per_block=per_block,
                      block_interval=chain.engine.block_interval, backend=crypto.backend,
                      chain=chain)
