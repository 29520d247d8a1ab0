"""minichain: a small, complete reference blockchain for learning what a chain can do for a shop.

    >>> from minichain import Blockchain, Wallet
    >>> shop, alice = Wallet.from_seed("shop"), Wallet.from_seed("alice")
    >>> chain = Blockchain.proof_of_work(allocations={alice.address: 100}, miner=shop)
    >>> txid = chain.submit(alice.pay(shop.address, 30, chain=chain))
    >>> block = chain.produce_block()
    >>> chain.balance(shop.address)   # 30 paid + 50 mined + 1 fee
    81
"""

from typing import Any

from minichain import crypto, merkle
from minichain.block import Block, BlockHeader
from minichain.chain import AddResult, Blockchain
from minichain.clock import SimulatedClock, date_text
from minichain.consensus import ByzantineFaultTolerance, ConsensusEngine, ProofOfAuthority, \
    ProofOfWork
from minichain.errors import *  # noqa: F403 - every rule's error is part of the public API
from minichain.errors import __all__ as _errors
from minichain.language import current_language, set_language
from minichain.names import AddressBook, name_of, remember
from minichain.params import ChainParams
from minichain.transaction import Transaction
from minichain.wallet import Wallet



def __getattr__(name: str) -> Any:
    """`minichain.open_chain`, loaded when first used: SQLite (and the contract runtime, which
    a chain file may name) are not needed by the core and are not loaded with it."""
    if name == "open_chain":
        import minichain.contracts.runtime  # noqa: F401 - registers the runtime files may name
        from minichain.store import open_chain

        return open_chain
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "AddResult",
    "AddressBook",
    "Block",
    "BlockHeader",
    "Blockchain",
    "ByzantineFaultTolerance",
    "ChainParams",
    "ConsensusEngine",
    "ProofOfAuthority",
    "ProofOfWork",
    "SimulatedClock",
    "Transaction",
    "Wallet",
    "crypto",
    "current_language",
    "date_text",
    "merkle",
    "name_of",
    "open_chain",
    "remember",
    "set_language",
    *_errors,  # every rule's error, and `short`: a value as messages show it
]
