"""Data residency: every place that keeps data is tagged with a jurisdiction, and a personal
record may only be kept where its own jurisdiction's law lets it stay.

A record of a customer in China stays in storage in China (PIPL Art. 38–40 restrict transfers
abroad; Art. 47 gives the right to deletion), an EU customer's record in the EU unless a GDPR
Chapter V transfer basis exists. A chain makes this hard: every validator keeps a full copy, so
anything written on chain lands in every validator's jurisdiction at once (EDPB Guidelines
02/2025, which recommends contractual clauses for nodes outside the EU; EU Blockchain
Observatory and Forum 2018, "Blockchain and the GDPR"). The safe pattern is the one this toolkit follows: personal records in a vault in
the customer's jurisdiction, only commitments on the chain.

`ResidencyPolicy` is the map of where each storage is (vaults and validators alike) and refuses
any move that would take a record out of its jurisdiction with `ResidencyViolation`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from minichain.language import say
from minichain.privacy.errors import ResidencyViolation

__all__ = ["ResidencyPolicy", "Storage", "check_residency"]


def check_residency(what: str, jurisdiction: str, destination: str, where: str) -> None:
    """Raise ResidencyViolation unless storage `destination` (in `where`) is in the record's
    `jurisdiction`."""
    if jurisdiction != where:
        raise ResidencyViolation(what, jurisdiction, destination, where)


@dataclass(frozen=True)
class Storage:
    """One place that keeps data: a vault, a backup, or a validator's copy of the chain."""

    name: str
    jurisdiction: str
    kind: str = "storage"

    def __str__(self) -> str:
        values = dict(name=self.name, jurisdiction=self.jurisdiction)
        if self.kind == "vault":
            return say("vault {name} ({jurisdiction})", **values)
        if self.kind == "validator":
            return say("validator {name} ({jurisdiction})", **values)
        if self.kind == "storage":
            return say("storage {name} ({jurisdiction})", **values)
        # TRANSLATORS: a storage of a kind the user named, such as "backup eu-2 (EU)"
        return say("{kind} {name} ({jurisdiction})", kind=self.kind, **values)


class ResidencyPolicy:
    """Where every storage is, and whether a record may go there."""

    def __init__(self, storages: Iterable[Storage] = ()):
        self.storages: dict[str, Storage] = {}
        for storage in storages:
            self.add(storage)

    def add(self, storage: Storage) -> Storage:
        self.storages[storage.name] = storage
        return storage

    def tag(self, name: str, jurisdiction: str, kind: str = "storage") -> Storage:
        """Record that storage `name` is in `jurisdiction`."""
        return self.add(Storage(name, jurisdiction, kind))

    def tag_validators(self, validators: Mapping[str, str],
                       names: Mapping[str, str] | None = None) -> None:
        """Tag validators by address: {address: jurisdiction}; `names` gives readable names."""
        for address, jurisdiction in validators.items():
            self.tag((names or {}).get(address, address), jurisdiction, "validator")

    @property
    def validators(self) -> list[Storage]:
        return [s for s in self.storages.values() if s.kind == "validator"]

    def storage(self, name: str) -> Storage:
        if name not in self.storages:
            raise KeyError(say("no storage named {name!r} is tagged with a jurisdiction",
                               name=name))
        return self.storages[name]

    def allowed(self, jurisdiction: str) -> list[Storage]:
        """Every storage a record tagged `jurisdiction` may be kept in."""
        return [s for s in self.storages.values() if s.jurisdiction == jurisdiction]

    def check_transfer(self, what: str, jurisdiction: str, destination: str) -> None:
        """Raise ResidencyViolation if `what` (tagged `jurisdiction`) may not go to
        `destination`."""
        target = self.storage(destination)
        check_residency(what, jurisdiction, str(target), target.jurisdiction)

    def check_on_chain(self, what: str, jurisdiction: str) -> None:
        """Writing `what` on the chain copies it to every validator: raise ResidencyViolation
        naming the first validator outside the record's jurisdiction."""
        for validator in self.validators:
            check_residency(what, jurisdiction, str(validator), validator.jurisdiction)
