"""The vote view: the consortium watches one round of votes, switches servers off, and sees the
chain stop rather than fork — then go on when a server is back."""

import re

import pytest

from minichain import Wallet
from minichain.network import EventKind, Network, NotAValidator, final_heights, vote_round
from minichain.widgets import VoteRoundView

NAMES = ("platform", "logistics", "bank", "auditor")
VALIDATORS = {name: Wallet.from_seed(name) for name in NAMES}


def consortium() -> Network:
    return Network.bft(list(NAMES) + ["shop"], VALIDATORS, latency=0.1, seed=3)


def text(view: VoteRoundView) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", view.picture.value).split())


def test_a_round_is_read_from_the_log_step_by_step():
    net = consortium()
    net.run(21)
    assert final_heights(net.log) == [1, 2, 3, 4]
    decided = vote_round(net, 2)
    proposer = next(v for v in decided.votes if v.proposed is not None)
    assert decided.proposer == proposer.validator and decided.round == 0
    assert decided.committed == 4 and decided.final_after == pytest.approx(0.3)
    for votes in decided.votes:  # prepare, then commit, then final: one message delay each
        assert votes.prepared <= votes.committed < votes.final
    assert sum(e.kind == EventKind.COMMIT for e in net.log if e.height == 2) == 4
    with pytest.raises(ValueError, match="no block .* became final at height 9"):
        vote_round(net, 9)


def test_one_server_off_the_block_is_still_final_two_off_the_chain_waits():
    view = VoteRoundView(consortium(), names={n: n.title() for n in NAMES})
    assert "press Next block" in text(view)
    view.next_block()
    assert "Block 1 was proposed" in text(view) and "4 of 4 validators committed" in text(view)
    view.up["auditor"].value = False
    view.next_block()
    assert "3 of 4 validators committed" in text(view) and "Auditor — — —" in text(view)
    view.up["bank"].value = False
    view.next_block()
    assert "no block became final in 60 seconds" in text(view)
    assert "2 of 4 validators down (Bank, Auditor); 3 must commit" in text(view)
    heights = {view.network.chain(n).height for n in ("platform", "logistics", "shop")}
    view.up["bank"].value = True
    view.next_block()
    assert "Block 3 was proposed" in text(view) and "earlier rounds ran out of time" in text(view)
    assert heights == {2}  # while it waited, nobody went ahead alone


def test_only_a_validator_can_vote():
    net = consortium()
    with pytest.raises(NotAValidator, match="node 'shop' holds no validator's key"):
        net.vote("shop", VALIDATORS["bank"].address, False)
