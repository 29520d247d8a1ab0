"""Merkle trees and inclusion proofs, as in Certificate Transparency (RFC 6962 / RFC 9162, 2.1).

A Merkle root is one fingerprint for a whole list: change, add, remove or reorder any item and
the root changes. An inclusion proof shows that one item is in the list with only about log2(n)
hashes, without revealing the other items.

Two details keep the tree honest:
- Leaves and inner nodes are hashed differently (a 0x00 prefix for leaves, 0x01 for nodes), so an
  inner node can never be passed off as a leaf (a second-preimage attack).
- The list is split at the largest power of two smaller than its length; no node is ever
  duplicated. Bitcoin duplicates the last node of an odd level, which lets two different
  transaction lists share a root (CVE-2012-2459); this tree does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import sha256 as _sha256  # the loops below call it without a wrapper: 2 per item

from minichain.crypto import sha256
from minichain.language import say

__all__ = ["EMPTY_ROOT", "MerkleProof", "leaf_hash", "merkle_proof", "merkle_root", "node_hash",
           "root_of_leaf_hashes", "verify_proof"]

EMPTY_ROOT: bytes = sha256(b"")


def leaf_hash(leaf: bytes) -> bytes:
    """The hash of one item: SHA-256(0x00 ‖ item)."""
    return sha256(b"\x00" + leaf)


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of two children: SHA-256(0x01 ‖ left ‖ right)."""
    return sha256(b"\x01" + left + right)


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n ≥ 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _root_of_hashes(hashes: Sequence[bytes]) -> bytes:
    """RFC 6962's recursive definition (split at the largest power of two below n), computed
    level by level: pair neighbours, carry an unpaired last node up unchanged (never
    duplicated). Both give the same tree; a test compares them for every size up to 300."""
    level = list(hashes)
    while len(level) > 1:
        paired = [_sha256(b"\x01" + level[i] + level[i + 1]).digest()
                  for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def root_of_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """The root of a tree whose leaves are already hashed with `leaf_hash`."""
    return _root_of_hashes(hashes) if hashes else EMPTY_ROOT


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The root of the tree over `leaves` (EMPTY_ROOT for no leaves)."""
    return root_of_leaf_hashes([_sha256(b"\x00" + leaf).digest() for leaf in leaves])


@dataclass(frozen=True)
class MerkleProof:
    """Proof that the leaf at `index` is in a tree of `size` leaves: the sibling hashes from the
    leaf up to the root."""

    index: int
    size: int
    siblings: tuple[bytes, ...]


def merkle_proof(leaves: Sequence[bytes], index: int) -> MerkleProof:
    """The inclusion proof for `leaves[index]`."""
    if not 0 <= index < len(leaves):
        raise IndexError(say("there is no leaf {index} in a list of {size}", index=index,
                             size=len(leaves)))
    hashes = [leaf_hash(leaf) for leaf in leaves]
    siblings: list[bytes] = []
    _collect_path(hashes, index, siblings)
    return MerkleProof(index=index, size=len(leaves), siblings=tuple(siblings))


def _collect_path(hashes: Sequence[bytes], index: int, out: list[bytes]) -> None:
    """Append the siblings of `index`, from the bottom of the tree to the top."""
    if len(hashes) == 1:
        return
    k = _split(len(hashes))
    if index < k:
        _collect_path(hashes[:k], index, out)
        out.append(_root_of_hashes(hashes[k:]))
    else:
        _collect_path(hashes[k:], index - k, out)
        out.append(_root_of_hashes(hashes[:k]))


def verify_proof(leaf: bytes, proof: MerkleProof, root: bytes) -> bool:
    """True if `proof` shows that `leaf` is in the tree with this `root` (RFC 9162, 2.1.3.2)."""
    if not 0 <= proof.index < proof.size:
        return False
    fn, sn = proof.index, proof.size - 1
    current = leaf_hash(leaf)
    for sibling in proof.siblings:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            current = node_hash(sibling, current)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            current = node_hash(current, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and current == root
