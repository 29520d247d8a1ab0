"""Do you need a blockchain? The pilot's first question, answered before any other.

The questions and their order are Wüst and Gervais's decision chart ("Do you need a
Blockchain?", IACR ePrint 2017/375, figure 1): a blockchain helps only when several writers who
do not fully trust each other share one state and will not rely on a trusted third party that is
always online. Otherwise a shared database is enough, and cheaper. NIST IR 8202 ("Blockchain
Technology Overview", October 2018) reaches the same advice with its own chart.

    >>> decide(Situation(stores_state=True, several_writers=False)).kind
    'a database'
"""

from __future__ import annotations

from dataclasses import dataclass

from minichain.language import say

__all__ = ["Situation", "Verdict", "decide"]

DATABASE, PERMISSIONLESS = "a database", "a permissionless (public) blockchain"
PUBLIC_PERMISSIONED, PRIVATE_PERMISSIONED = ("a public permissioned blockchain",
                                             "a private permissioned (consortium) blockchain")


@dataclass(frozen=True)
class Situation:
    """The answers to the chart's six questions, for one project."""

    stores_state: bool = True  # must the system keep a record (state) at all?
    several_writers: bool = True  # do several parties write to it?
    trusted_third_party: bool = False  # could one party everyone trusts, always online, keep it?
    writers_known: bool = True  # are all the writers known?
    writers_trusted: bool = False  # do the writers all trust each other?
    public_verifiability: bool = False  # must outsiders (customers, the public) check it?


def _kind_text(kind: str) -> str:
    """A verdict's `kind` (one of the four above) as people read it, in the language in use."""
    if kind == DATABASE:
        return say("a database")
    if kind == PERMISSIONLESS:
        return say("a permissionless (public) blockchain")
    if kind == PUBLIC_PERMISSIONED:
        return say("a public permissioned blockchain")
    if kind == PRIVATE_PERMISSIONED:
        return say("a private permissioned (consortium) blockchain")
    return kind


@dataclass(frozen=True)
class Verdict:
    """What the chart recommends (`kind`, one of the four kinds above, in English: a key
    programs compare), and the answer that decided it (`because`, in the language in use)."""

    kind: str
    because: str

    def __str__(self) -> str:
        return say("{kind}: {because}", kind=_kind_text(self.kind), because=self.because)


def decide(situation: Situation) -> Verdict:
    """Walk the chart's questions in order; the first decisive answer gives the verdict."""
    if not situation.stores_state:
        return Verdict(DATABASE, say("nothing needs to be stored, so nothing needs a shared "
                                     "record"))
    if not situation.several_writers:
        return Verdict(DATABASE, say("with one writer, a blockchain adds nothing a database "
                                     "lacks"))
    if situation.trusted_third_party:
        return Verdict(DATABASE, say("a trusted party that is always online can keep the "
                                     "record for everyone"))
    if not situation.writers_known:
        return Verdict(PERMISSIONLESS, say("writers who are not known can only be kept honest "
                                           "by proof of work or stake"))
    if situation.writers_trusted:
        return Verdict(DATABASE, say("writers who all trust each other can share a database"))
    if situation.public_verifiability:
        return Verdict(PUBLIC_PERMISSIONED, say("known writers who do not fully trust each "
                                                "other, and outsiders who must be able to "
                                                "check"))
    return Verdict(PRIVATE_PERMISSIONED, say("known writers who do not fully trust each other, "
                                             "and no outsider who needs to check"))
