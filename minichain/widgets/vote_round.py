"""One round of BFT votes, step by step: who proposed, who prepared and committed, and when the
block became final on each validator (lessons 04 and 09).

The trainee switches validators' servers off and on and asks for the next block. With at most
f of n = 3f + 1 validators down, the table shows the block final a few message delays after its
proposal (a new round, with the next proposer, if the one whose turn it was is down); with more
down, no block becomes final and the view says the chain waits — it stops, it does not fork.
The rounds come from `minichain.network.vote_round`; this module only lays them out.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import ipywidgets as w

from minichain.language import person, say, translate
from minichain.network import Network, VoteRound, vote_round
from minichain.widgets import render
from minichain.widgets import style as s

__all__ = ["VoteRoundView", "vote_round_table"]

WAIT_SECONDS = 60  # how long "Next block" lets the network run before saying it is stuck


def _after(time: float | None, start: float) -> str:
    return "—" if time is None else say("+{seconds:.2f} s", seconds=time - start)


def vote_round_table(round_: VoteRound, names: Mapping[Hashable, str] | None = None) -> str:
    """The round as HTML: a sentence, then one row per validator with the seconds after the
    proposal at which it prepared, committed and saw the block final ("—": it did not)."""
    names = names or {}
    votes = round_.votes
    values = {"height": round_.height, "proposer": _name(round_.proposer, names),
              "committed": round_.committed, "validators": len(votes),
              "final_after": round_.final_after}
    if round_.round == 0:
        sentence = say("Block {height} was proposed by {proposer}; {committed} of {validators} "
                       "validators committed it, and it was final on every validator that was "
                       "up {final_after:.2f} s after the proposal.", **values)
    else:
        sentence = say("Block {height} was proposed by {proposer} in round {round} (earlier "
                       "rounds ran out of time); {committed} of {validators} validators "
                       "committed it, and it was final on every validator that was up "
                       "{final_after:.2f} s after the proposal.", round=round_.round, **values)
    proposed = translate("proposed")
    rows = [(_name(v.validator, names), proposed if v.proposed is not None else "",
             _after(v.prepared, round_.proposed_at), _after(v.committed, round_.proposed_at),
             _after(v.final, round_.proposed_at)) for v in votes]
    return (render.banner(True, sentence, good=translate("final"))
            + render.table([translate("validator"), "", translate("prepared"),
                            translate("committed"), translate("final")], rows, mono=(2, 3, 4)))


def _name(validator: Hashable, names: Mapping[Hashable, str]) -> str:
    """A validator's name: from `names`, else its own; the lessons' people in the reader's
    language."""
    return person(str(names.get(validator, validator)))


class VoteRoundView(w.VBox):
    """A check box per validator (its server up or down) and a "Next block" button; below, the
    round that decided the latest block, or why none was decided."""

    def __init__(self, network: Network, *, names: Mapping[Hashable, str] | None = None):
        self.network = network
        self.names = dict(names or {})
        self.up = {v: w.Checkbox(value=network.node(v).up,
                                 description=say("{name}'s server is up",
                                                 name=_name(v, self.names)),
                                 indent=False)
                   for v in network.validators}
        self.next_button = w.Button(description=translate("Next block"), icon="forward",
                                    tooltip=translate("let the validators decide the next "
                                                      "block"))
        self.next_button.on_click(lambda _b: self.next_block())
        self.picture = w.HTML()
        super().__init__([w.HBox(list(self.up.values())), self.next_button, self.picture])
        s.fit_text(self)
        self.refresh()

    @property
    def height(self) -> int:
        """The highest final block any validator holds."""
        return max(self.network.chain(v).finalized_height for v in self.network.validators)

    def _quorum(self) -> int:
        chain = self.network.chain(self.network.validators[0])
        return chain.engine.validator_set(chain, chain.tip.header).quorum

    def next_block(self) -> None:
        """Apply the check boxes, then run the network until a new block is final on every
        validator that is up, or until `WAIT_SECONDS` have passed."""
        for v, box in self.up.items():
            node = self.network.node(v)
            if box.value and not node.up:
                self.network.restart(v)
            elif not box.value and node.up:
                self.network.crash(v)
        if not any(box.value for box in self.up.values()):
            self.refresh(translate("every validator is down: nobody can propose or vote."))
            return
        goal, deadline = self.height + 1, self.network.now + WAIT_SECONDS
        while self.height < goal and self.network.now < deadline:
            self.network.run(until=min(deadline, self.network.now + 1))
        if self.height < goal:
            self.refresh(say("no block became final in {seconds} seconds: the chain waits, "
                             "without forking, until enough validators are back.",
                             seconds=WAIT_SECONDS))
        else:
            self.refresh()

    def refresh(self, stuck: str | None = None) -> None:
        down = [v for v in self.network.validators if not self.network.node(v).up]
        count = len(self.network.validators)
        if down:
            status = say("{down} of {count} validators down ({names}); {quorum} must commit each "
                         "block.", down=len(down), count=count,
                         names=render.listing(_name(v, self.names) for v in down),
                         quorum=self._quorum())
        else:
            status = say("{down} of {count} validators down; {quorum} must commit each block.",
                         down=len(down), count=count, quorum=self._quorum())
        if stuck is not None:
            body = render.banner(False, stuck, bad=translate("stopped"))
        elif self.height == 0:
            body = render.banner(True, translate("No block yet: press Next block."),
                                 good=translate("ready"))
        else:
            body = vote_round_table(vote_round(self.network, self.height), self.names)
        self.picture.value = (f'<div style="{s.CSS}margin:{s.PAD // 2}px 0;">'
                              f'{render.esc(status)}</div>{body}')
