"""Merkle proofs: proving one order is in a block without showing the others."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain.crypto import sha256
from minichain.merkle import (
    EMPTY_ROOT,
    MerkleProof,
    leaf_hash,
    merkle_proof,
    merkle_root,
    node_hash,
    root_of_leaf_hashes,
    verify_proof,
)

ORDERS = [f"order {n}".encode() for n in range(1, 8)]


def test_known_roots_follow_rfc6962():
    a, b, c = b"a", b"b", b"c"
    assert merkle_root([]) == EMPTY_ROOT == sha256(b"")
    assert merkle_root([a]) == sha256(b"\x00a")
    assert merkle_root([a, b]) == node_hash(leaf_hash(a), leaf_hash(b))
    # three leaves split 2 + 1: the odd leaf is carried up, never duplicated
    assert merkle_root([a, b, c]) == node_hash(node_hash(leaf_hash(a), leaf_hash(b)), leaf_hash(c))


def test_duplicating_the_last_order_changes_the_root():
    """Bitcoin's CVE-2012-2459: [a, b, c] and [a, b, c, c] shared a root there; not here."""
    assert merkle_root(ORDERS[:3]) != merkle_root(ORDERS[:3] + ORDERS[2:3])


def test_an_inner_node_cannot_pose_as_a_leaf():
    """Domain separation: the two child hashes, presented as one leaf, give another root."""
    inner = leaf_hash(ORDERS[0]) + leaf_hash(ORDERS[1])
    assert merkle_root([inner]) != merkle_root(ORDERS[:2])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=12), min_size=1, max_size=40), st.data())
def test_every_leaf_has_a_proof_that_verifies(leaves, data):
    index = data.draw(st.integers(0, len(leaves) - 1))
    proof = merkle_proof(leaves, index)
    root = merkle_root(leaves)
    assert verify_proof(leaves[index], proof, root)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=12), min_size=2, max_size=40, unique=True), st.data())
def test_a_proof_does_not_verify_another_leaf_or_position(leaves, data):
    index = data.draw(st.integers(0, len(leaves) - 1))
    other = data.draw(st.integers(0, len(leaves) - 1).filter(lambda i: i != index))
    proof = merkle_proof(leaves, index)
    root = merkle_root(leaves)
    assert not verify_proof(leaves[other], proof, root)
    moved = MerkleProof(other, proof.size, proof.siblings)
    assert not verify_proof(leaves[index], moved, root)


def test_a_changed_order_or_root_fails_the_proof():
    proof = merkle_proof(ORDERS, 4)
    root = merkle_root(ORDERS)
    assert verify_proof(ORDERS[4], proof, root)
    assert not verify_proof(b"order 5 (discount applied)", proof, root)
    assert not verify_proof(ORDERS[4], proof, merkle_root(ORDERS[:-1]))
    assert not verify_proof(ORDERS[4], MerkleProof(4, 7, proof.siblings[:-1]), root)
    assert not verify_proof(ORDERS[4], MerkleProof(4, 7, proof.siblings + (root,)), root)
    assert not verify_proof(ORDERS[4], MerkleProof(9, 7, proof.siblings), root)


def test_proof_size_grows_like_log2():
    leaves = [bytes([i % 256, i // 256]) for i in range(1000)]
    assert len(merkle_proof(leaves, 517).siblings) == 10


def test_asking_for_a_missing_leaf_is_an_index_error():
    with pytest.raises(IndexError, match="no leaf 7"):
        merkle_proof(ORDERS, 7)


def _rfc6962_root(hashes: list[bytes]) -> bytes:
    """RFC 6962 section 2.1 word for word: split at the largest power of two below n."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(_rfc6962_root(hashes[:k]), _rfc6962_root(hashes[k:]))


def test_the_root_is_rfc6962s_recursive_definition_for_every_size_up_to_300():
    leaves = [leaf_hash(f"order {i}".encode()) for i in range(300)]
    for size in range(1, 301):
        assert root_of_leaf_hashes(leaves[:size]) == _rfc6962_root(leaves[:size]), size
