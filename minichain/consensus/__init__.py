"""Pluggable consensus engines: proof of work (Bitcoin) and proof of authority (EIP-225).

`engine` is what every engine answers (after go-ethereum's `consensus.Engine`); `proof_of_work`
is Bitcoin's (whitepaper section 4, Bitcoin Core's `pow.cpp`); `poa` is the Clique engine
(geth's `consensus/clique/clique.go`) and `poa_snapshot` the validators and votes it keeps
(geth's `snapshot.go`); `bft` is QBFT-style Byzantine fault tolerance with final blocks;
`costs` compares what sealing blocks costs under each.
"""

from minichain.consensus.bft import ByzantineFaultTolerance
from minichain.consensus.engine import ConsensusEngine
from minichain.consensus.poa import ProofOfAuthority
from minichain.consensus.proof_of_work import ProofOfWork

__all__ = ["ByzantineFaultTolerance", "ConsensusEngine", "ProofOfAuthority", "ProofOfWork"]
