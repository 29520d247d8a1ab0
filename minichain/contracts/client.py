"""A handle on one deployed contract, for wallets to call from lessons and scripts.

Before a call is sent, it is tried against the tip of the chain plus the transactions already
waiting (as Ethereum wallets do with `eth_call`/`eth_estimateGas`). If the contract would refuse,
the refusal is raised at once, with the contract's own plain-language message, and nothing is
sent; otherwise the signed transaction goes to the mempool. The receipt in the block has the
final word.
"""

from __future__ import annotations

from typing import Any

from minichain.block import ZERO_ADDRESS
from minichain.chain import Blockchain
from minichain.contracts.runtime import (
    ContractRuntime,
    UnknownContract,
    call_data,
    contract_address,
    deploy_data,
)
from minichain.errors import InvalidTransaction, short
from minichain.execution import BlockContext, apply_in_block
from minichain.language import say
from minichain.receipt import Event, Receipt
from minichain.transaction import Transaction
from minichain.wallet import Wallet

__all__ = ["ContractClient", "DEFAULT_FEE"]

DEFAULT_FEE = 200  # the most a call may cost; unused gas is returned


class ContractClient:
    """One contract on one chain."""

    def __init__(self, chain: Blockchain, address: str):
        if not isinstance(chain.runtime, ContractRuntime):
            raise ValueError(say("this chain runs no contracts; create it with "
                                 "runtime=ContractRuntime()"))
        self.chain = chain
        self.address = address

    @classmethod
    def deploy(cls, chain: Blockchain, wallet: Wallet, contract: str, *, value: int = 0,
               fee: int = DEFAULT_FEE, **args: Any) -> ContractClient:
        """Send a deployment of `contract` with `args`; returns the handle at its address."""
        nonce = chain.next_nonce(wallet.address)
        tx = wallet.pay(ZERO_ADDRESS, value, chain=chain, fee=fee, nonce=nonce,
                        data=deploy_data(contract, **args))
        _send(chain, tx)
        return cls(chain, contract_address(wallet.address, nonce))

    def call(self, wallet: Wallet, method: str, *, value: int = 0, fee: int = DEFAULT_FEE,
             **args: Any) -> Transaction:
        """Send a call of `method`; raises the contract's error at once if it would refuse."""
        return self.send(wallet, method, value=value, fee=fee, **args)[0]

    def send(self, wallet: Wallet, method: str, *, value: int = 0, fee: int = DEFAULT_FEE,
             **args: Any) -> tuple[Transaction, Receipt]:
        """As `call`, and also the receipt its trial run gave: what the call will do in the
        next block (its events, say), unless something sent after it changes that."""
        tx = wallet.pay(self.address, value, chain=self.chain, fee=fee,
                        data=call_data(method, **args))
        return tx, _send(self.chain, tx)

    # -- reading ---------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        name = ContractRuntime.contract_at(self.chain.state, self.address)
        if name is None:
            raise UnknownContract(say("there is no contract at {address} on the main chain yet "
                                      "(is its deployment still waiting for a block?)",
                                      address=short(self.address)))
        return name

    def storage(self) -> dict[str, Any]:
        """What the contract has stored, as of the tip."""
        return ContractRuntime.storage(self.chain.state, self.address)

    def __getitem__(self, name: str) -> Any:
        return self.storage().get(name)

    @property
    def balance(self) -> int:
        return self.chain.balance(self.address)

    def owed_to(self, address: str) -> int:
        """What the contract owes `address` and holds for it to withdraw (its pull payments)."""
        return self.storage().get(f"owed:{address}") or 0

    def events(self) -> list[Event]:
        """Every event the contract emitted on the main chain, oldest first."""
        return [event for block in self.chain.blocks
                for receipt in self.chain.receipts(block.hash)
                for event in receipt.events if event.contract == self.address]


def dry_run(chain: Blockchain, tx: Transaction) -> Receipt:
    """What `tx` would do in the next block; raises the contract's error if it would fail."""
    scratch = chain.state.scratch()
    context = BlockContext(chain.height + 1, chain.clock.now() + chain.engine.block_interval)
    for waiting in chain.mempool.by_fee():
        try:
            apply_in_block(scratch, waiting, context, chain.runtime)
        except InvalidTransaction:
            pass
    receipt, error = chain.runtime.run(scratch, tx, context)
    if error is not None:
        raise error
    return receipt


def _send(chain: Blockchain, tx: Transaction) -> Receipt:
    receipt = dry_run(chain, tx)
    chain.submit(tx)
    return receipt
