"""Do you need a blockchain? Each question of Wüst and Gervais's chart decides when it should,
in the chart's order, and a consortium chain is the answer only for known writers who do not
fully trust each other and will not hand the record to one of them."""

import pytest

from minichain.need_a_blockchain import Situation, decide


@pytest.mark.parametrize("story, situation, kind", [
    ("a shop logs nothing for anyone", Situation(stores_state=False), "a database"),
    ("the shop keeps its own order book", Situation(several_writers=False), "a database"),
    ("the platform keeps the record everyone trusts", Situation(trusted_third_party=True),
     "a database"),
    ("anyone may write, nobody is known", Situation(writers_known=False),
     "a permissionless (public) blockchain"),
    ("four partners who trust each other", Situation(writers_trusted=True), "a database"),
    ("partners who must let customers check", Situation(public_verifiability=True),
     "a public permissioned blockchain"),
    ("platform, logistics, bank and auditor", Situation(),
     "a private permissioned (consortium) blockchain"),
])
def test_each_answer_leads_where_the_chart_says(story, situation, kind):
    assert decide(situation).kind == kind


def test_the_first_decisive_answer_wins():
    """One writer means a database, whatever the later answers would have said."""
    verdict = decide(Situation(several_writers=False, writers_known=False,
                               public_verifiability=True))
    assert verdict.kind == "a database" and "one writer" in str(verdict)
