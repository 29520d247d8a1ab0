"""Selective disclosure: commit to all of a customer's attributes at once, reveal just one.

The customer's attributes (name, phone, street, delivery city, …) become the leaves of a Merkle
tree (`minichain.merkle`, RFC 6962); only the 32-byte root goes on the chain. To let the courier
check the delivery city, the shop hands over that one attribute, its salt and its inclusion
proof: the proof leads to the root on the chain, and the other attributes stay hidden.

Each leaf is salted with its own 128-bit secret salt. Without salts, a revealed proof would
include the bare hashes of the other leaves, and a sibling such as "city = Hangzhou" could be
found by hashing every city in the country. This is the construction of salted-leaf Merkle
disclosure used by the IETF's SD-JWT (draft-ietf-oauth-selective-disclosure-jwt: a salt per claim)
and recommended for chains by the EU Blockchain Observatory and Forum (2018, "Blockchain and the
GDPR") and CNIL (2018, "Blockchain: solutions for a responsible use").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from minichain.encoding import Writer
from minichain.language import say, translate
from minichain.merkle import MerkleProof, merkle_proof, merkle_root, verify_proof
from minichain.privacy.commitment import MIN_SALT_BYTES, new_salt
from minichain.privacy.errors import DisclosureDoesNotMatch, SaltTooShort

__all__ = ["AttributeCommitment", "Disclosure", "attribute_leaf", "check_disclosure",
           "verify_disclosure"]

_TAG = b"minichain/attribute/v1"


def attribute_leaf(name: str, value: str, salt: bytes) -> bytes:
    """The bytes of one leaf: a tag, then the salt, the attribute's name and its value, each
    length-prefixed so that no two different (name, value) pairs give the same leaf."""
    if len(salt) < MIN_SALT_BYTES:
        raise SaltTooShort(len(salt), MIN_SALT_BYTES)
    return Writer().bytes(_TAG).bytes(salt).text(name).text(value).getvalue()


@dataclass(frozen=True)
class Disclosure:
    """One attribute revealed with what it takes to check it: its salt and its Merkle proof."""

    name: str
    value: str
    salt: bytes = field(repr=False)
    proof: MerkleProof = field(repr=False)

    def __str__(self) -> str:
        return say("{name} = {value} (attribute {number} of {size}, proven with {hashes} hashes)",
                   name=self.name, value=self.value, number=self.proof.index + 1,
                   size=self.proof.size, hashes=len(self.proof.siblings))

    def with_value(self, value: str) -> Disclosure:
        """The same salt and proof claiming another value: what a parcel thief who rewrites
        the delivery city would present (`check_disclosure` refuses it)."""
        return replace(self, value=value)


@dataclass(frozen=True)
class AttributeCommitment:
    """A customer's attributes, a salt for each, and the Merkle root that commits to them all.
    The root goes on the chain; the rest stays in the vault."""

    attributes: Mapping[str, str]
    salts: Mapping[str, bytes] = field(repr=False)

    @classmethod
    def create(cls, attributes: Mapping[str, str],
               salt: Callable[[], bytes] = new_salt) -> AttributeCommitment:
        """Salt every attribute (fresh 128-bit salts unless `salt` says otherwise)."""
        names = sorted(attributes)
        return cls({n: str(attributes[n]) for n in names}, {n: salt() for n in names})

    @property
    def names(self) -> list[str]:
        return sorted(self.attributes)

    def leaves(self) -> list[bytes]:
        return [attribute_leaf(n, self.attributes[n], self.salts[n]) for n in self.names]

    @property
    def root(self) -> bytes:
        """The 32 bytes to publish."""
        return merkle_root(self.leaves())

    def disclose(self, name: str) -> Disclosure:
        """Reveal the attribute `name` alone, with its salt and proof."""
        if name not in self.attributes:
            raise KeyError(say("there is no attribute {name!r}; there are {names}", name=name,
                               # TRANSLATORS: what goes between the items of a list ("a, b, c")
                               names=translate(", ").join(self.names)))
        index = self.names.index(name)
        return Disclosure(name, self.attributes[name], self.salts[name],
                          merkle_proof(self.leaves(), index))


def verify_disclosure(disclosure: Disclosure, root: bytes) -> bool:
    """True if the disclosed attribute is one the customer committed to under `root`."""
    try:
        leaf = attribute_leaf(disclosure.name, disclosure.value, disclosure.salt)
    except SaltTooShort:
        return False
    return verify_proof(leaf, disclosure.proof, root)


def check_disclosure(disclosure: Disclosure, root: bytes) -> None:
    """Raise DisclosureDoesNotMatch unless the disclosure verifies against `root`."""
    if not verify_disclosure(disclosure, root):
        raise DisclosureDoesNotMatch(disclosure.name, disclosure.value)
