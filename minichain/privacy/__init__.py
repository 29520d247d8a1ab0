"""The privacy and compliance toolkit: what may go on a chain, and how to keep the rest.

Following the EU Blockchain Observatory and Forum (2018, "Blockchain and the GDPR"), CNIL (2018,
"Blockchain: solutions for a responsible use") and the EDPB (Guidelines 02/2025 on processing of
personal data through blockchain technologies): no personal data in clear on chain; salted
commitments or keyed references instead (`commitment`; `guessing` shows why an unsalted hash is
not enough); personal data in an off-chain vault, encrypted with a key per customer, erased by
destroying the key (`vault`: GDPR Art. 15 and 17, PIPL Art. 47); one attribute disclosed with a
Merkle proof (`disclosure`); addresses are personal data too (`linkability`, over a seeded
`shop_history`); and records stay in their jurisdiction (`residency`).

    from minichain.privacy import commit, AttributeCommitment, synthetic_shop_history
    from minichain.privacy.vault import PersonalDataVault   # needs an AES-GCM library

The vault is imported on its own so that the rest works without an AES-GCM library: it encrypts
with the `cryptography` package where that is installed, and with tlslite-ng's pure-Python
AES-GCM elsewhere, the browser edition included (`aes_gcm`, which names the one in use).
"""

from minichain.privacy.commitment import (
    MIN_SALT_BYTES,
    Commitment,
    SeededSalts,
    check_opening,
    commit,
    commitment_digest,
    keyed_reference,
    new_salt,
    opens,
    unsalted_hash,
)
from minichain.privacy.disclosure import (
    AttributeCommitment,
    Disclosure,
    check_disclosure,
    verify_disclosure,
)
from minichain.privacy.errors import *  # noqa: F403 - every refusal is public
from minichain.privacy.errors import __all__ as _errors
from minichain.privacy.guessing import GuessingResult, guess_phone_number
from minichain.privacy.linkability import (
    LinkabilityReport,
    Profile,
    cluster_addresses,
    linkability_of,
    measure_linkability,
    observe_shop,
    profiles_of,
    transaction_graph,
)
from minichain.privacy.residency import ResidencyPolicy, Storage, check_residency
from minichain.privacy.shop_history import (
    AddressHabit,
    ShopHistory,
    ShopOrder,
    synthetic_shop_history,
)

__all__ = [
    "MIN_SALT_BYTES",
    "AddressHabit",
    "AttributeCommitment",
    "Commitment",
    "Disclosure",
    "GuessingResult",
    "LinkabilityReport",
    "Profile",
    "ResidencyPolicy",
    "SeededSalts",
    "ShopHistory",
    "ShopOrder",
    "Storage",
    "check_disclosure",
    "check_opening",
    "check_residency",
    "cluster_addresses",
    "commit",
    "commitment_digest",
    "guess_phone_number",
    "keyed_reference",
    "linkability_of",
    "measure_linkability",
    "new_salt",
    "observe_shop",
    "opens",
    "profiles_of",
    "synthetic_shop_history",
    "transaction_graph",
    "unsalted_hash",
    *_errors,
]
