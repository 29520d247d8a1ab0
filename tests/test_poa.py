"""Proof of Authority (EIP-225 "Clique"): the voting scenario table and every sealing rule.

The first part replays go-ethereum's clique TestClique table (tests/eip225_scenarios.py)
against minichain's engine; the second checks each rule of DESIGN.md section 3 on its own,
asserting the exact error class, a fragment of its message, and that a refused block leaves the
node exactly as it was.
"""

from __future__ import annotations

import dataclasses
import pathlib
import sys

import pytest

from minichain import Blockchain, Wallet
from minichain.block import Block
from minichain.chain import AddResult
from minichain.clock import date_text
from minichain.errors import TimestampInFuture, TimestampTooEarly
from minichain.consensus.poa import (
    DIFF_IN_TURN,
    DIFF_NO_TURN,
    BadSeal,
    CheckpointMismatch,
    InvalidVote,
    SealedTooRecently,
    UnauthorizedSigner,
    WrongTurnDifficulty,
    decode_validators,
    encode_validators,
    encode_vote,
)

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from eip225_scenarios import SCENARIOS  # noqa: E402

PERIOD = 5
LETTERS = "ABCDEF"
WALLETS = {letter: Wallet.from_seed(letter) for letter in LETTERS}
ERRORS = {  # geth's error -> minichain's class and a fragment of its message
    "errUnauthorizedSigner": (UnauthorizedSigner, "is not a validator of this chain"),
    "errRecentlySigned": (SealedTooRecently, "a validator may seal only one of any"),
}


def addr(letter: str) -> str:
    return WALLETS[letter].address


def by_address(addresses) -> list[str]:
    """The engine's order: sorted by address, ignoring checksum capitalisation (= byte order)."""
    return sorted(addresses, key=lambda a: bytes.fromhex(a[2:]))


def node_state(chain: Blockchain) -> tuple:
    """Everything a refused block must leave untouched."""
    return (chain.tip.hash, chain.state.root(), chain.height, chain.total_weight(),
            list(chain.engine.snapshot(chain, chain.tip.header).validators))


def reseal(chain: Blockchain, block: Block, wallet: Wallet | None, **changes) -> Block:
    """`block` with header fields changed and sealed again by `wallet`."""
    header = dataclasses.replace(block.header, **changes)
    return Block(chain.engine.seal(header, wallet), block.transactions)


def tamper(block: Block, **changes) -> Block:
    """`block` with header fields changed but the old seal kept."""
    return Block(dataclasses.replace(block.header, **changes), block.transactions)


def assert_refused(chain: Blockchain, block: Block, error: type, fragment: str) -> None:
    before = node_state(chain)
    with pytest.raises(error, match=fragment) as caught:
        chain.add_block(block)
    assert type(caught.value) is error
    assert node_state(chain) == before
    assert block.hash not in chain


# -- the EIP-225 / geth TestClique scenario table ----------------------------------------------

@pytest.mark.parametrize("case", SCENARIOS, ids=[f"case{i:02d}" for i in range(len(SCENARIOS))])
def test_eip225_scenario(case):
    epoch = case["epoch"]
    chain = Blockchain.proof_of_authority([WALLETS[s] for s in case["signers"]],
                                          epoch=epoch, period=1)
    votes = case["votes"]
    for index, vote in enumerate(votes):
        height = index + 1
        last = index == len(votes) - 1
        if vote["newbatch"]:  # a node that restarts: no cached snapshots, re-derived from blocks
            chain.engine = chain.engine.fresh()
        signer = WALLETS[vote["signer"]]
        wanted = b""
        if vote["voted"] is not None:
            candidate = addr(vote["voted"])
            wanted = encode_vote(candidate, vote["auth"])
            chain.engine.proposals = {signer.address: {candidate: vote["auth"]}}
        else:
            chain.engine.proposals = {}
        chain.clock.advance(1)
        block = chain.build_block(producer=signer)

        if height % epoch == 0:
            assert vote["checkpoint"] is not None
            assert decode_validators(block.header.extra) == \
                by_address(addr(s) for s in vote["checkpoint"])
        else:
            assert vote["checkpoint"] is None
            if block.header.extra != wanted:
                # Like geth's miner, prepare() only casts votes that would change something; the
                # table also feeds "pointless" votes straight into headers, so do the same.
                assert vote["voted"] is not None
                block = reseal(chain, block, signer, extra=wanted)

        if last and case["failure"]:
            assert_refused(chain, block, *ERRORS[case["failure"]])
            return
        assert chain.add_block(block) is AddResult.EXTENDED
        snap = chain.engine.snapshot(chain, chain.tip.header)
        # like geth's Recents: only the sealers of the last `window` blocks are remembered
        assert all(height - snap.window < seen <= height for seen in snap.recents)

    snapshot = chain.engine.snapshot(chain, chain.tip.header)
    expected = by_address(addr(s) for s in case["results"])
    assert snapshot.validators == expected
    # A fresh node replaying the same blocks reaches the same validators.
    assert chain.revalidate() == len(votes)


def test_scenario_table_is_complete():
    assert len(SCENARIOS) == 24
    assert sum(1 for case in SCENARIOS if case["failure"]) == 4


# -- a consortium chain: platform, logistics company and bank ----------------------------------

PLATFORM, LOGISTICS, BANK = (Wallet.from_seed(n) for n in ("platform", "logistics", "bank"))
CUSTOMS = Wallet.from_seed("customs")
OUTSIDER = Wallet.from_seed("outsider")


@pytest.fixture
def consortium() -> Blockchain:
    return Blockchain.proof_of_authority([PLATFORM, LOGISTICS, BANK], period=PERIOD)


def ordered(chain: Blockchain) -> list[Wallet]:
    """The validators' wallets in turn order (sorted by address)."""
    wallets = {w.address: w for w in (PLATFORM, LOGISTICS, BANK, CUSTOMS)}
    return [wallets[a] for a in chain.engine.snapshot(chain, chain.tip.header).validators]


def next_block(chain: Blockchain, wallet: Wallet, **kw) -> Block:
    chain.clock.advance(PERIOD)
    return chain.build_block(producer=wallet, **kw)


def in_turn_wallet(chain: Blockchain) -> Wallet:
    turn = ordered(chain)
    return turn[(chain.height + 1) % len(turn)]


def out_of_turn_wallet(chain: Blockchain) -> Wallet:
    turn = ordered(chain)
    return turn[(chain.height + 2) % len(turn)]


def test_consortium_votes_in_a_fourth_validator_and_out_again(consortium):
    chain = consortium
    validators = lambda: set(chain.engine.snapshot(chain, chain.tip.header).validators)  # noqa: E731
    assert validators() == {PLATFORM.address, LOGISTICS.address, BANK.address}
    assert decode_validators(chain.genesis.header.extra) == \
        by_address([PLATFORM.address, LOGISTICS.address, BANK.address])

    # Platform and logistics want the customs office to seal blocks too: 2 of 3 is a majority.
    chain.engine.propose(PLATFORM.address, CUSTOMS.address, True)
    chain.engine.propose(LOGISTICS.address, CUSTOMS.address, True)
    block = chain.produce_block(PLATFORM)
    assert block.header.extra == encode_vote(CUSTOMS.address, True)
    assert CUSTOMS.address not in validators()  # one vote of three is not enough
    block = chain.produce_block(LOGISTICS)
    assert block.header.extra == encode_vote(CUSTOMS.address, True)
    assert validators() == {PLATFORM.address, LOGISTICS.address, BANK.address, CUSTOMS.address}

    # The vote has passed: the engine stops casting it, and the newcomer may seal.
    assert chain.produce_block(BANK).header.extra == b""
    assert chain.produce_block(CUSTOMS).header.coinbase == CUSTOMS.address

    # Dropping customs again needs more than half of four: three votes.
    for voter in (PLATFORM, LOGISTICS, BANK):
        chain.engine.propose(voter.address, CUSTOMS.address, False)
    chain.produce_block(PLATFORM)
    chain.produce_block(LOGISTICS)
    assert CUSTOMS.address in validators()  # two of four is not a majority
    chain.produce_block(BANK)
    assert validators() == {PLATFORM.address, LOGISTICS.address, BANK.address}

    # Dropped, customs can no longer seal.
    assert_refused(chain, next_block(chain, CUSTOMS), UnauthorizedSigner, "is not a validator")
    assert chain.revalidate() == chain.height == 7


def test_vote_by_a_single_validator_does_not_pass(consortium):
    chain = consortium
    chain.engine.propose(BANK.address, OUTSIDER.address, True)
    for _ in range(6):
        chain.produce_block()  # the node picks the in-turn validator itself
    assert OUTSIDER.address not in chain.engine.snapshot(chain, chain.tip.header).validators
    assert [b.header.difficulty for b in chain.blocks[1:]] == [DIFF_IN_TURN] * 6


def test_checkpoint_lists_validators_and_resets_votes():
    chain = Blockchain.proof_of_authority([PLATFORM, LOGISTICS, BANK], period=PERIOD, epoch=3)
    chain.engine.propose(PLATFORM.address, CUSTOMS.address, True)
    chain.produce_block(PLATFORM)  # height 1: one vote for customs
    chain.produce_block(LOGISTICS)  # height 2
    checkpoint = chain.produce_block(BANK)  # height 3: checkpoint, forgets the vote
    assert checkpoint.header.extra == encode_validators(
        by_address([PLATFORM.address, LOGISTICS.address, BANK.address]))
    assert chain.engine.snapshot(chain, chain.tip.header).tally == {}
    chain.engine.proposals = {}
    chain.engine.propose(LOGISTICS.address, CUSTOMS.address, True)
    chain.produce_block(LOGISTICS)  # height 4: would be the second vote, but the first is gone
    assert CUSTOMS.address not in chain.engine.snapshot(chain, chain.tip.header).validators


# -- each rule on its own ----------------------------------------------------------------------

def test_outsider_cannot_seal(consortium):
    block = next_block(consortium, OUTSIDER)
    assert_refused(consortium, block, UnauthorizedSigner,
                   rf"{OUTSIDER.address[:6]}.*is not a validator of this chain")


def test_validator_may_not_seal_twice_within_the_window(consortium):
    chain = consortium
    first = in_turn_wallet(chain)
    chain.add_block(next_block(chain, first))
    again = next_block(chain, first)
    assert_refused(chain, again, SealedTooRecently,
                   r"already sealed block 1; a validator may seal only one of any 2 consecutive "
                   r"blocks, so its next chance is block 3, not block 2")
    chain.add_block(next_block(chain, in_turn_wallet(chain)))  # someone else seals block 2
    assert chain.add_block(next_block(chain, first)) is AddResult.EXTENDED  # block 3 is fine


def test_single_validator_may_seal_every_block():
    chain = Blockchain.proof_of_authority([PLATFORM], period=PERIOD)
    for _ in range(3):
        chain.produce_block()
    assert chain.height == 3


@pytest.mark.parametrize("turn, wrong, expected", [
    ("in", DIFF_NO_TURN, DIFF_IN_TURN),
    ("in", 3, DIFF_IN_TURN),
    ("out", DIFF_IN_TURN, DIFF_NO_TURN),
    ("out", 0, DIFF_NO_TURN),
])
def test_difficulty_must_match_the_turn(consortium, turn, wrong, expected):
    wallet = in_turn_wallet(consortium) if turn == "in" else out_of_turn_wallet(consortium)
    good = next_block(consortium, wallet)
    assert good.header.difficulty == expected
    bad = reseal(consortium, good, wallet, difficulty=wrong)
    word = "in turn" if turn == "in" else "out of turn"
    assert_refused(consortium, bad, WrongTurnDifficulty,
                   f"seals this block {word}, so its difficulty must be {expected}, not {wrong}")
    assert consortium.add_block(good) is AddResult.EXTENDED


def test_block_resigned_by_another_key(consortium):
    good = next_block(consortium, in_turn_wallet(consortium))
    other = out_of_turn_wallet(consortium)
    bad = reseal(consortium, good, other)  # coinbase still names the in-turn validator
    assert_refused(consortium, bad, BadSeal, "made with a key that does not belong to")


def test_block_changed_after_sealing(consortium):
    good = next_block(consortium, in_turn_wallet(consortium))
    consortium.clock.advance(1)
    for changes in ({"reward": good.header.reward + 1},
                    {"timestamp": good.header.timestamp + 1},
                    {"extra": encode_vote(OUTSIDER.address, True)},
                    {"nonce": 1}):
        assert_refused(consortium, tamper(good, **changes), BadSeal,
                       "the block was changed after it was sealed")
    # A signature of another header by the right key is no better.
    sibling = reseal(consortium, good, in_turn_wallet(consortium), nonce=7)
    spliced = tamper(good, seal=sibling.header.seal)
    assert_refused(consortium, spliced, BadSeal, "changed after it was sealed")
    assert_refused(consortium, tamper(good, seal=b""), BadSeal, "it is 0 bytes, not 97")
    assert consortium.add_block(good) is AddResult.EXTENDED


def test_checkpoint_must_list_current_validators():
    chain = Blockchain.proof_of_authority([PLATFORM, LOGISTICS, BANK], period=PERIOD, epoch=3)
    chain.produce_block()
    chain.produce_block()
    wallet = in_turn_wallet(chain)
    good = next_block(chain, wallet)
    assert decode_validators(good.header.extra) == ordered_addresses(chain)
    for extra in (encode_validators(ordered_addresses(chain)[:2]),
                  encode_validators(ordered_addresses(chain) + [OUTSIDER.address]),
                  encode_validators(list(reversed(ordered_addresses(chain)))),
                  b"",
                  encode_vote(OUTSIDER.address, True)):
        bad = reseal(chain, good, wallet, extra=extra)
        assert_refused(chain, bad, CheckpointMismatch, "checkpoint block 3 lists validators")
    assert chain.add_block(good) is AddResult.EXTENDED


def ordered_addresses(chain: Blockchain) -> list[str]:
    return [w.address for w in ordered(chain)]


@pytest.mark.parametrize("extra", [
    b"\x01",
    b"\x02" + bytes(20),
    encode_vote(OUTSIDER.address, True) + b"\x00",
    encode_vote(OUTSIDER.address, True)[:-1],
])
def test_malformed_vote(consortium, extra):
    wallet = in_turn_wallet(consortium)
    bad = reseal(consortium, next_block(consortium, wallet), wallet, extra=extra)
    assert_refused(consortium, bad, InvalidVote, rf"extra data \({len(extra)} bytes\) is not a vote")


def test_timestamp_before_parent_plus_period(consortium):
    wallet = in_turn_wallet(consortium)
    good = next_block(consortium, wallet)
    parent_time = consortium.tip.header.timestamp
    assert good.header.timestamp == parent_time + PERIOD
    bad = reseal(consortium, good, wallet, timestamp=parent_time + PERIOD - 1)
    assert_refused(consortium, bad, TimestampTooEarly,
                   f"at least {PERIOD} seconds apart, so it must be at least "
                   f"{date_text(parent_time + PERIOD)}")
    assert consortium.add_block(good) is AddResult.EXTENDED  # exactly parent + period is fine


def test_timestamp_in_the_future(consortium):
    chain = consortium
    wallet = in_turn_wallet(chain)
    early = chain.build_block(producer=wallet)  # the clock has not moved: parent + period > now
    now = chain.clock.now()
    assert early.header.timestamp == now + PERIOD
    assert_refused(chain, early, TimestampInFuture,
                   f"time {date_text(now + PERIOD)} is in the future: the latest time accepted now "
                   f"is {date_text(now)}")
    chain.clock.advance(PERIOD)
    assert chain.add_block(early) is AddResult.EXTENDED  # exactly now is fine


# -- fork choice -------------------------------------------------------------------------------

def test_in_turn_branch_outweighs_out_of_turn_branch(consortium):
    chain = consortium
    chain.clock.advance(PERIOD)
    in_turn = chain.build_block(producer=in_turn_wallet(chain))
    out_of_turn = chain.build_block(producer=out_of_turn_wallet(chain))
    assert (in_turn.header.difficulty, out_of_turn.header.difficulty) == (2, 1)
    genesis_weight = chain.total_weight()

    assert chain.add_block(out_of_turn) is AddResult.EXTENDED
    assert chain.total_weight() == genesis_weight + 1
    assert chain.add_block(in_turn) is AddResult.REORGANISED
    assert chain.tip.hash == in_turn.hash
    assert chain.total_weight() == genesis_weight + 2
    assert not chain.is_main_chain(out_of_turn.hash)


def test_heavier_branch_wins_regardless_of_arrival_order(consortium):
    chain = consortium
    chain.clock.advance(PERIOD)
    in_turn = chain.build_block(producer=in_turn_wallet(chain))
    out_of_turn = chain.build_block(producer=out_of_turn_wallet(chain))
    assert chain.add_block(in_turn) is AddResult.EXTENDED
    assert chain.add_block(out_of_turn) is AddResult.SIDE_BRANCH
    assert chain.tip.hash == in_turn.hash


def test_two_out_of_turn_blocks_do_not_beat_in_turn_weight_by_length():
    """Weight, not length: 1 in-turn block (2) ties 2 out-of-turn blocks (1 + 1): first seen wins,
    and a third in-turn block on the shorter branch makes it heavier again."""
    validators = [PLATFORM, LOGISTICS, BANK]
    a = Blockchain.proof_of_authority(validators, period=PERIOD)
    b = Blockchain.proof_of_authority(validators, period=PERIOD)
    a.produce_block(in_turn_wallet(a))  # height 1 in turn: weight 2
    b.produce_block(out_of_turn_wallet(b))  # height 1 out of turn: 1
    b.produce_block(out_of_turn_wallet(b))  # height 2 out of turn: 1
    assert [blk.header.difficulty for blk in b.blocks[1:]] == [1, 1]
    assert a.total_weight() == b.total_weight()
    node = Blockchain.proof_of_authority(validators, period=PERIOD)
    node.clock.advance(100)
    node.add_block(a.tip)
    for block in b.blocks[1:]:
        node.add_block(block)
    assert node.tip.hash == a.tip.hash  # a tie keeps the branch seen first, though shorter
    a.produce_block(in_turn_wallet(a))
    assert node.add_block(a.tip) is AddResult.EXTENDED
    assert node.height == 2 and node.total_weight() == a.total_weight()
