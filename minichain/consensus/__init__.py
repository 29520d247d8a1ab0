"""Pluggable consensus engines: proof of work (Bitcoin) and proof of authority (EIP-225)."""

from minichain.consensus.engine import ConsensusEngine
from minichain.consensus.poa import ProofOfAuthority
from minichain.consensus.pow import ProofOfWork

__all__ = ["ConsensusEngine", "ProofOfAuthority", "ProofOfWork"]
