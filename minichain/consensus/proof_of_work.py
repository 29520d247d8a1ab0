"""Proof of Work, with Bitcoin's rules scaled down (Bitcoin whitepaper, section 4; Bitcoin Core's
`pow.cpp`, `arith_uint256::SetCompact/GetCompact` and `validation.cpp`).

The module reads in the order of lesson 04:

1. The target and the one-hash check. A block is valid only if the double SHA-256 of its
   header, read as a number, is at most a target; anyone can check it with a single hash. A
   target of 2^(256 - n) - 1 says "the hash must start with n zero bits", and each extra zero
   bit halves the target.
2. Mining. Finding such a header takes on average 2^256 / (target + 1) attempts. The miner
   hashes the fixed part of the header once and, for each nonce, only the last bytes (hashlib's
   copy() keeps the "midstate"), so it runs close to the speed of a bare hashlib loop.
3. Work and fork choice. Those expected attempts are the block's "work", and fork choice
   follows the branch with the most cumulative work, never simply the longest.
4. Compact bits. The target is written in the header in Bitcoin's compact "bits" form (nBits:
   1 byte exponent, 3 bytes mantissa; Bitcoin Core's `arith_uint256::SetCompact/GetCompact`).
5. Retargeting. Every `retarget_interval` blocks the target is adjusted so blocks keep arriving
   every `target_spacing` seconds, by at most a factor of 4 either way (Bitcoin Core's
   GetNextWorkRequired and CalculateNextWorkRequired).
6. Timestamps and the engine. Timestamps must be later than the median of the previous 11
   blocks and at most two hours ahead of the node's clock (`validation.cpp`); `ProofOfWork` puts
   the rules together.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from minichain.block import BlockHeader
from minichain.consensus.engine import ConsensusEngine, HeaderSource, SealingCost
from minichain.errors import InvalidBlock, TimestampInFuture, TimestampTooEarly, short
from minichain.language import say

if TYPE_CHECKING:
    from minichain.wallet import Wallet

__all__ = [
    "InsufficientWork",
    "ProofOfWork",
    "WrongDifficulty",
    "bits_to_target",
    "block_work",
    "hash_meets_target",
    "median_time_past",
    "mine",
    "mine_with_zero_bits",
    "retarget",
    "target_to_bits",
    "target_zero_bits",
    "zero_bits_to_target",
]

HASH_BITS = 256


# -- 1. the target and the one-hash check --------------------------------------------------------

class InsufficientWork(InvalidBlock):
    """Checklist 6 (PoW): the header's hash is above the target."""

    def __init__(self, block_hash: bytes, target: int):
        super().__init__(say(
            "the block's hash {hash} is above the target {target}…: not enough work was done.",
            hash=short(block_hash), target=target.to_bytes(32, "big").hex()[:16]))


def hash_meets_target(block_hash: bytes, target: int) -> bool:
    """The one-hash check: is the hash, read as a big-endian number, at most the target?"""
    return int.from_bytes(block_hash, "big") <= target


def zero_bits_to_target(zero_bits: int) -> int:
    """The target that means "the hash must start with `zero_bits` zero bits": 2^(256 - n) - 1.

    A hash meets it exactly when its first `zero_bits` bits are zero, so one more zero bit halves
    the target and doubles the expected work.
    """
    return 2 ** (HASH_BITS - zero_bits) - 1


def target_zero_bits(target: int) -> int:
    """How many leading zero bits every hash at or below `target` has (the inverse of
    `zero_bits_to_target`, rounding down for targets in between)."""
    return HASH_BITS - target.bit_length()


# -- 2. mining -----------------------------------------------------------------------------------

_NONCE = struct.Struct(">Q")


def mine(header: BlockHeader, start_nonce: int = 0, max_attempts: int | None = None
         ) -> BlockHeader:
    """Try nonces from `start_nonce` until the header's hash is at most its target.

    Returns the header with the winning nonce; its `nonce - start_nonce + 1` is the number of
    attempts. Raises RuntimeError if `max_attempts` run out first.
    """
    target = bits_to_target(header.difficulty).to_bytes(32, "big")
    midstate = hashlib.sha256(header.prefix_bytes())
    suffix = len(header.seal).to_bytes(4, "big") + header.seal  # what follows the nonce
    end = 2**64 if max_attempts is None else min(2**64, start_nonce + max_attempts)
    sha256, pack, copy = hashlib.sha256, _NONCE.pack, midstate.copy
    for nonce in range(start_nonce, end):
        h = copy()
        h.update(pack(nonce) + suffix)
        if sha256(h.digest()).digest() <= target:  # 32 bytes big-endian: same as the numbers
            return header.with_nonce(nonce)
    raise RuntimeError(f"no valid nonce among {end - start_nonce} attempts")


def mine_with_zero_bits(header: BlockHeader, zero_bits: int) -> tuple[BlockHeader, int]:
    """Mine `header` (from nonce 0) at a target of `zero_bits` leading zero bits; returns the
    sealed header and the number of attempts (hashes). Same header, same answer, every time."""
    bits = target_to_bits(zero_bits_to_target(zero_bits))
    sealed = mine(replace(header, difficulty=bits, nonce=0))
    return sealed, sealed.nonce + 1


# -- 3. work and fork choice ---------------------------------------------------------------------

def block_work(bits: int) -> int:
    """Expected number of hashes to find a block at this target: 2^256 / (target + 1)."""
    return 2**256 // (bits_to_target(bits) + 1)


# -- 4. compact bits: Bitcoin's nBits encoding of the target -------------------------------------

def bits_to_target(bits: int) -> int:
    """Decode compact `bits` (1 byte exponent, 3 bytes mantissa) into the 256-bit target.

    Same as Bitcoin's SetCompact; raises ValueError for the negative and overflowing encodings
    Bitcoin rejects.
    """
    size = bits >> 24
    word = bits & 0x007FFFFF
    if size <= 3:
        word >>= 8 * (3 - size)  # as Bitcoin: the sign/overflow tests see the shifted word
        target = word
    else:
        target = word << (8 * (size - 3))
    if word != 0 and bits & 0x00800000:
        raise ValueError(f"bits {bits:#010x} encode a negative target")
    if word != 0 and (size > 34 or (word > 0xFF and size > 33) or (word > 0xFFFF and size > 32)):
        raise ValueError(f"bits {bits:#010x} encode a target larger than 256 bits")
    return target


def target_to_bits(target: int) -> int:
    """Encode a target in compact form, as Bitcoin's GetCompact (rounding down)."""
    size = (target.bit_length() + 7) // 8
    if size <= 3:
        compact = target << (8 * (3 - size))
    else:
        compact = target >> (8 * (size - 3))
    if compact & 0x00800000:  # the mantissa's top bit would read as a sign: shift one more byte
        compact >>= 8
        size += 1
    return compact | (size << 24)


# -- 5. retargeting ------------------------------------------------------------------------------

class WrongDifficulty(InvalidBlock):
    """Checklist 6 (PoW): the header's bits are not the value the retarget rule requires."""

    def __init__(self, bits: int, expected: int):
        super().__init__(say(
            "the block's difficulty bits are {bits:#010x}, but the retarget rule requires "
            "{expected:#010x} at this height.", bits=bits, expected=expected))


def retarget(target: int, actual_span: int, expected_span: int) -> int:
    """The target scaled by how long the window took against how long it should have taken, by
    at most a factor of 4 either way (after Bitcoin Core's CalculateNextWorkRequired; the caller
    caps the result at the easiest target allowed)."""
    if actual_span * 4 < expected_span:  # at most 4 times harder...
        return target // 4
    if actual_span > expected_span * 4:  # ...or 4 times easier
        return target * 4
    return target * actual_span // expected_span


def _ancestor_at(chain: HeaderSource, header: BlockHeader, height: int) -> BlockHeader:
    for ancestor in chain.ancestors(header):
        if ancestor.height == height:
            return ancestor
    raise LookupError(f"no ancestor at height {height}")


# -- 6. timestamps and the engine ---------------------------------------------------------------

MEDIAN_TIME_SPAN = 11  # blocks
MAX_FUTURE_DRIFT = 2 * 60 * 60  # seconds


def median_time_past(chain: HeaderSource, parent: BlockHeader) -> int:
    """Median timestamp of the last 11 blocks up to and including `parent`."""
    times = []
    for header in chain.ancestors(parent):
        times.append(header.timestamp)
        if len(times) == MEDIAN_TIME_SPAN:
            break
    return sorted(times)[len(times) // 2]


@dataclass
class ProofOfWork(ConsensusEngine):
    """Bitcoin-style mining. The defaults suit teaching: a block every 10 simulated seconds and
    an easiest target like Bitcoin's regtest (about every second hash wins)."""

    pow_limit_bits: int = 0x207FFFFF  # the easiest target allowed
    initial_bits: int | None = None  # genesis difficulty; defaults to the limit
    target_spacing: int = 10  # seconds per block, aimed for
    retarget_interval: int = 10  # blocks between difficulty adjustments
    block_subsidy: int = 50  # new coins per block
    halving_interval: int = 0  # blocks between halvings of the subsidy; 0 = never
    bitcoin_off_by_one: bool = False  # retarget exactly as Bitcoin Core, quirk included

    name = "proof of work"

    def __post_init__(self) -> None:
        self.pow_limit = bits_to_target(self.pow_limit_bits)
        if self.initial_bits is None:
            self.initial_bits = self.pow_limit_bits
        self.block_interval = self.target_spacing
        if self.target_spacing < 1:
            raise ValueError("the target spacing must be at least 1 second")
        if self.retarget_interval < 2:
            raise ValueError("the retarget interval must be at least 2 blocks")

    # -- consensus rules -------------------------------------------------------------------------
    def genesis_fields(self) -> dict:
        return {"difficulty": self.initial_bits, "extra": b""}

    def sealing_cost(self, chain: HeaderSource, headers: Sequence[BlockHeader]) -> SealingCost:
        """The expected hashes behind each block's target; no signatures; anyone may mine."""
        return SealingCost(hashes=sum(block_work(h.difficulty) for h in headers), signatures=0,
                           validators=None)

    def next_bits(self, chain: HeaderSource, parent: BlockHeader) -> int:
        """The bits the block after `parent` must carry (Bitcoin's GetNextWorkRequired)."""
        height = parent.height + 1
        if height % self.retarget_interval != 0:
            return parent.difficulty
        first = _ancestor_at(chain, parent, height - self.retarget_interval)
        # The window's first and last blocks are interval - 1 gaps apart. Bitcoin compares that
        # with interval gaps, a known off-by-one that makes on-time blocks 1/2016 harder; with
        # a window of 10 it would be 10 %, so by default like is compared with like.
        gaps = self.retarget_interval if self.bitcoin_off_by_one else self.retarget_interval - 1
        expected_span = gaps * self.target_spacing
        actual_span = parent.timestamp - first.timestamp
        target = retarget(bits_to_target(parent.difficulty), actual_span, expected_span)
        return target_to_bits(min(target, self.pow_limit))

    def verify_header(self, chain: HeaderSource, header: BlockHeader, parent: BlockHeader,
                      now: int) -> None:
        expected = self.next_bits(chain, parent)
        if header.difficulty != expected:
            raise WrongDifficulty(header.difficulty, expected)
        target = bits_to_target(header.difficulty)
        if not hash_meets_target(header.hash, target):
            raise InsufficientWork(header.hash, target)
        earliest = median_time_past(chain, parent) + 1
        if header.timestamp < earliest:
            raise TimestampTooEarly(
                header.timestamp, earliest, say("it must be later than the median time of the "
                                                "last {count} blocks", count=MEDIAN_TIME_SPAN))
        if header.timestamp > now + MAX_FUTURE_DRIFT:
            raise TimestampInFuture(header.timestamp, now + MAX_FUTURE_DRIFT)

    def weight(self, header: BlockHeader) -> int:
        """Fork choice: a block counts for the work behind it (`block_work`)."""
        return block_work(header.difficulty)

    def subsidy(self, height: int) -> int:
        if height == 0:
            return 0
        halvings = height // self.halving_interval if self.halving_interval else 0
        return self.block_subsidy >> halvings if halvings < 64 else 0

    # -- producing blocks ------------------------------------------------------------------------
    def prepare(self, chain: HeaderSource, parent: BlockHeader, producer: str,
                timestamp: int) -> dict:
        earliest = median_time_past(chain, parent) + 1
        return {
            "timestamp": max(timestamp, earliest),
            "difficulty": self.next_bits(chain, parent),
            "extra": b"",
        }

    def seal(self, header: BlockHeader, producer: Wallet | None = None) -> BlockHeader:
        return mine(header)
