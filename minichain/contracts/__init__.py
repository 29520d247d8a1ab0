"""Contracts for e-commerce on minichain: the runtime and the contracts the lessons use.

    from minichain.contracts import ContractRuntime, ContractClient
    chain = Blockchain.proof_of_authority(validators, allocations=..., runtime=ContractRuntime())
    order = ContractClient.deploy(chain, platform, "OrderEscrow", buyer=..., seller=..., ...)
"""

from minichain.contracts.client import ContractClient, dry_run
from minichain.contracts.escrow import OrderEscrow
from minichain.contracts.runtime import (
    GAS,
    BadCall,
    Contract,
    ContractError,
    ContractRuntime,
    NotAllowed,
    NotPayable,
    OutOfGas,
    TooEarly,
    TooLate,
    UnknownContract,
    UnknownMethod,
    WrongAmount,
    WrongState,
    call_data,
    contract_address,
    deploy_data,
    public,
    register,
)

__all__ = [
    "GAS",
    "BadCall",
    "Contract",
    "ContractClient",
    "ContractError",
    "ContractRuntime",
    "NotAllowed",
    "NotPayable",
    "OrderEscrow",
    "OutOfGas",
    "TooEarly",
    "TooLate",
    "UnknownContract",
    "UnknownMethod",
    "WrongAmount",
    "WrongState",
    "call_data",
    "contract_address",
    "deploy_data",
    "dry_run",
    "public",
    "register",
]
