"""Byzantine fault tolerance with final blocks: the consortium as it runs today.

The story: a marketplace platform, a logistics company, a bank and an auditor run a consortium
chain as four validators (n = 4 tolerates f = 1 liar; a quorum is 3). The shop asks the question
the whole kit is about — how many confirmations before we ship? — and on this chain the answer is
one: a block that three of the four committed is final. The attacker forges seals, borrows an
outsider's key, counts one validator twice, and finally gets two validators to sign two blocks
at one height: every trick is refused with its own error, and the conflicting final block is
reported as evidence, never followed.
"""

import sqlite3
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minichain import Blockchain, ByzantineFaultTolerance, Wallet, open_chain
from minichain.block import Block
from minichain.consensus.bft import (
    BadCommitSeal,
    BadProposerSeal,
    CommitSealFromNonValidator,
    DuplicateCommitSeal,
    NotBftExtra,
    NoValidatorsLeft,
    TooFewCommitSeals,
    ValidatorSet,
    WrongProposer,
    WrongWeight,
    commit_seals,
    fault_tolerance,
    quorum,
)
from minichain.consensus.engine import UnexpectedCommitSeals, engine_from_description
from minichain.consensus.poa_snapshot import InvalidVote, encode_vote
from minichain.errors import (
    ConflictingFinalBlocks,
    TimestampTooEarly,
    ValidationError,
)
from minichain.store import InvalidStoredBlock, verify_chain_file

platform, logistics, bank, auditor = (Wallet.from_seed(s) for s in
                                      ("platform", "logistics", "bank", "auditor"))
VALIDATORS = [platform, logistics, bank, auditor]
customer, shop, outsider = (Wallet.from_seed(s) for s in ("customer", "shop", "outsider"))
customs = Wallet.from_seed("customs")
FUNDS = {customer.address: 10_000}


def consortium(**options) -> Blockchain:
    return Blockchain.bft(VALIDATORS, allocations=FUNDS, **options)


def wallet_of(address: str) -> Wallet:
    return next(w for w in VALIDATORS + [outsider, customs] if w.address == address)


def next_block(chain: Blockchain, *, amount: int = 10) -> Block:
    """The block the consortium would agree on next, with one payment to the shop."""
    chain.submit(customer.pay(shop.address, amount, chain=chain))
    chain.clock.advance(chain.engine.block_interval)
    block = chain.build_block()
    chain.mempool.remove(block.transactions[0].txid)
    return block


def resealed(block: Block, *signers: Wallet) -> Block:
    return Block(block.header, block.transactions, commit_seals(block, signers))


@pytest.fixture
def chain():
    chain = consortium()
    chain.submit(customer.pay(shop.address, 5, chain=chain))
    chain.produce_block()
    return chain


# -- final blocks ---------------------------------------------------------------------------------

def deciding(chain: Blockchain):
    """The validators who decide the chain's next block."""
    return chain.engine.validator_set(chain, chain.tip.header)


def test_four_validators_tolerate_one_fault_and_need_three_to_agree():
    validators = deciding(consortium())
    assert (len(validators), validators.faults_tolerated, validators.quorum) == (4, 1, 3)
    assert [quorum(n) for n in (1, 3, 4, 7, 10, 16)] == [1, 2, 3, 5, 7, 11]


def test_one_confirmation_is_final_on_a_bft_chain(chain):
    payment = customer.pay(shop.address, 30, chain=chain)
    chain.submit(payment)
    block = chain.produce_block()
    assert len(block.commit_seals) == 4 and chain.finalized_height == block.height == 2
    assert chain.is_final(payment.txid)


def test_proof_of_work_blocks_are_never_final_only_deeper():
    miner = Wallet.from_seed("miner")
    chain = Blockchain.proof_of_work(allocations=FUNDS, miner=miner)
    payment = customer.pay(shop.address, 30, chain=chain)
    chain.submit(payment)
    for _ in range(6):
        chain.produce_block()
    assert chain.confirmations(payment.txid) == 6
    assert not chain.is_final(payment.txid) and chain.finalized_height == 0


def test_validators_propose_in_turn(chain):
    validators = deciding(chain)
    proposers = [validators.proposer(h) for h in range(1, 9)]
    assert proposers == [chain.engine.validators[h % 4] for h in range(1, 9)]
    for _ in range(4):
        block = chain.produce_block()
        assert block.header.coinbase == validators.proposer(block.height)


def test_a_block_from_the_next_round_proposer_is_valid_when_the_first_was_silent(chain):
    engine, validators = chain.engine, deciding(chain)
    silent = validators.proposer(chain.height + 1, 0)
    stand_in = wallet_of(validators.proposer(chain.height + 1, 1))
    chain.clock.advance(engine.block_interval)
    block = chain.build_block(stand_in)
    assert engine.round_of(block.header) == 1 and block.header.coinbase != silent
    assert chain.add_block(block).name == "EXTENDED"


# -- every rule, its own refusal ------------------------------------------------------------------

def refuse(chain: Blockchain, block: Block, error: type, match: str) -> None:
    before = chain.tip.hash, chain.state.root(), chain.finalized_height
    with pytest.raises(error, match=match):
        chain.add_block(block)
    assert (chain.tip.hash, chain.state.root(), chain.finalized_height) == before


def test_a_block_two_validators_committed_is_not_final_and_not_valid(chain):
    block = next_block(chain)
    refuse(chain, resealed(block, platform, bank), TooFewCommitSeals,
           "carries 2 commit seal\\(s\\), but 3 of the 4 validators must commit")
    assert chain.add_block(resealed(block, platform, bank, auditor)).name == "EXTENDED"


def test_a_seal_from_a_key_that_is_not_a_validators_is_refused(chain):
    block = next_block(chain)
    refuse(chain, resealed(block, platform, bank, outsider), CommitSealFromNonValidator,
           f"signed by {outsider.address[:6]}.*who is not a validator")


def test_one_validator_counted_twice_is_refused(chain):
    block = next_block(chain)
    twice = Block(block.header, block.transactions,
                  commit_seals(block, [platform, bank]) + commit_seals(block, [bank]))
    refuse(chain, twice, DuplicateCommitSeal, f"validator {bank.address[:6]}.* committed the "
                                              "block twice")


def test_seals_over_another_block_are_refused(chain):
    block = next_block(chain)
    other = next_block(chain, amount=11)  # same height, another payment
    moved = Block(block.header, block.transactions, resealed(other, platform, bank,
                                                             auditor).commit_seals)
    refuse(chain, moved, BadCommitSeal, "does not sign this block")
    refuse(chain, Block(block.header, block.transactions, (b"\x02" * 40,) * 3), BadCommitSeal,
           "it is 40 bytes")


def test_the_wrong_proposer_for_the_round_is_refused(chain):
    block = next_block(chain)
    intruder = wallet_of(deciding(chain).proposer(block.height, 2))  # its turn is round 2, not 0
    header = replace(block.header, coinbase=intruder.address, seal=b"")
    forged = Block(chain.engine.seal(header, intruder), block.transactions)
    refuse(chain, resealed(forged, *VALIDATORS), WrongProposer,
           f"in round 0 must be proposed by {block.header.coinbase[:6]}")


def test_a_proposal_changed_after_its_proposer_signed_is_refused(chain):
    block = next_block(chain)
    changed = Block(replace(block.header, nonce=block.header.nonce + 7),
                    block.transactions)
    refuse(chain, resealed(changed, *VALIDATORS), BadProposerSeal, "changed after it was "
                                                                   "proposed")
    refuse(chain, resealed(Block(replace(block.header, seal=b""), block.transactions),
                           *VALIDATORS), BadProposerSeal, "it is 0 bytes")


def test_a_header_whose_extra_data_is_not_a_round_is_refused(chain):
    block = next_block(chain)
    proposer = wallet_of(block.header.coinbase)
    header = chain.engine.seal(replace(block.header, extra=b"x" * 5, seal=b""), proposer)
    refuse(chain, resealed(Block(header, block.transactions), *VALIDATORS), NotBftExtra,
           "4-byte round number.*not 5 bytes")


def test_a_block_claiming_more_weight_is_refused(chain):
    block = next_block(chain)
    proposer = wallet_of(block.header.coinbase)
    header = chain.engine.seal(replace(block.header, difficulty=2, seal=b""), proposer)
    refuse(chain, resealed(Block(header, block.transactions), *VALIDATORS), WrongWeight,
           "difficulty is 1 .* not 2")


def test_blocks_come_no_faster_than_the_block_period(chain):
    parent = chain.tip.header
    proposer = wallet_of(deciding(chain).proposer(parent.height + 1))
    block = chain.build_block(proposer, timestamp=parent.timestamp + 1)
    block = Block(chain.engine.seal(replace(block.header, timestamp=parent.timestamp + 1,
                                            seal=b""), proposer), block.transactions)
    refuse(chain, resealed(block, *VALIDATORS), TimestampTooEarly, "at least 5 seconds apart")


def test_other_engines_blocks_carry_no_commit_seals():
    miner = Wallet.from_seed("miner")
    chain = Blockchain.proof_of_work(allocations=FUNDS, miner=miner)
    block = chain.build_block()
    chain.clock.advance_to(block.header.timestamp)
    refuse(chain, Block(block.header, block.transactions, (b"\x00" * 97,)), UnexpectedCommitSeals,
           "a proof of work chain's blocks have none")


def test_three_members_survive_a_crash_but_only_four_survive_a_liar():
    # Raft-style ordering (2f + 1) against BFT (3f + 1), for the consortium's sizes
    table = {n: (t.crashes, t.liars) for n in (1, 3, 4, 5, 7) for t in [fault_tolerance(n)]}
    assert table == {1: (0, 0), 3: (1, 0), 4: (1, 1), 5: (2, 1), 7: (3, 2)}
    with pytest.raises(ValueError):
        fault_tolerance(0)


# -- validators voted in and out ------------------------------------------------------------------

def vote_until_decided(chain: Blockchain, voters, candidate: Wallet, add: bool) -> Block:
    """Each voter votes in the blocks it proposes; blocks come until the set has changed (at
    most two turns round the validators)."""
    for voter in voters:
        chain.engine.propose(voter.address, candidate.address, add)
    for _ in range(2 * len(deciding(chain))):
        if (candidate.address in deciding(chain)) == add:
            break
        chain.clock.advance(chain.engine.block_interval)
        deciding_block = chain.produce_block()
    return deciding_block


def test_customs_is_voted_in_by_a_majority_and_decides_from_the_next_block(chain):
    chain.producers[customs.address] = customs  # customs runs a node and holds its own key
    decided = vote_until_decided(chain, [platform, logistics, bank], customs, True)
    votes = sum(1 for h in range(2, chain.height + 1) if len(chain.block(h).header.extra) == 25)
    assert votes == 3 and decided.header.extra[4:] == encode_vote(customs.address, True)
    # the deciding block was committed by the old four; the next one by the new five
    assert customs.public_key not in {seal[:33] for seal in decided.commit_seals}
    after = chain.produce_block()
    assert len(deciding(chain)) == 5 and deciding(chain).quorum == 4
    assert customs.public_key in {seal[:33] for seal in after.commit_seals}


def test_a_dropped_validator_can_no_longer_commit_and_the_rest_go_on(chain):
    vote_until_decided(chain, [platform, bank, auditor], logistics, False)
    assert deciding(chain).members == tuple(sorted(
        (platform.address, bank.address, auditor.address), key=str.lower))
    block = next_block(chain)
    assert block.header.coinbase != logistics.address
    refuse(chain, resealed(block, platform, logistics, bank), CommitSealFromNonValidator,
           "who is not a validator")
    assert chain.add_block(resealed(block, platform, bank)).name == "EXTENDED"  # 2 of 3


def test_after_the_vote_turns_follow_the_new_set_not_the_old_one(chain):
    vote_until_decided(chain, [platform, bank, auditor], logistics, False)
    old = ValidatorSet(chain.engine.validators)  # the four of the genesis block
    while old.proposer(chain.height + 1) == deciding(chain).proposer(chain.height + 1):
        chain.produce_block()
    block = next_block(chain)
    stale_turn = wallet_of(old.proposer(block.height))  # round 0 would be its turn in the old set
    header = replace(block.header, coinbase=stale_turn.address, extra=(0).to_bytes(4, "big"),
                     seal=b"")
    forged = Block(chain.engine.seal(header, stale_turn), block.transactions)
    refuse(chain, resealed(forged, platform, bank, auditor), WrongProposer,
           f"in round 0 must be proposed by {deciding(chain).proposer(block.height)[:6]}")


def test_a_vote_that_is_not_a_vote_is_refused(chain):
    block = next_block(chain)
    proposer = wallet_of(block.header.coinbase)
    extra = block.header.extra[:4] + bytes([7]) + bytes(20)
    header = chain.engine.seal(replace(block.header, extra=extra, seal=b""), proposer)
    refuse(chain, resealed(Block(header, block.transactions), *VALIDATORS), InvalidVote,
           "1 = add, 0 = drop")


def test_votes_are_remembered_in_a_chain_file_and_counted_again_on_reopening(tmp_path):
    path = tmp_path / "consortium.chain"
    with open_chain(path, consortium().engine, consortium().params,
                    producers=VALIDATORS) as chain:
        vote_until_decided(chain, [platform, bank, auditor], logistics, False)
        members, tip = deciding(chain).members, chain.tip.hash
    with open_chain(path, producers=VALIDATORS) as again:
        assert deciding(again).members == members and len(members) == 3
    checked = verify_chain_file(path, full=True)
    assert checked.tip.hash == tip and deciding(checked).members == members


def test_when_the_last_validator_is_voted_out_the_chain_stops_with_a_clear_reason():
    chain = Blockchain.bft([platform], allocations=FUNDS)
    chain.engine.propose(platform.address, platform.address, False)
    chain.produce_block()
    assert len(deciding(chain)) == 0
    with pytest.raises(NoValidatorsLeft, match="no validators are left to propose block 2"):
        chain.build_block(platform)


# -- more than f faulty: evidence, never a fork --------------------------------------------------

def test_two_final_blocks_at_one_height_are_reported_with_both_and_the_first_stays(chain):
    block = next_block(chain)
    rival = next_block(chain, amount=99)
    first = resealed(block, platform, logistics, bank)
    second = resealed(rival, logistics, bank, auditor)  # logistics and bank signed both
    assert chain.add_block(first).name == "EXTENDED"
    with pytest.raises(ConflictingFinalBlocks, match="more validators than the chain tolerates "
                                                     "signed two blocks") as caught:
        chain.add_block(second)
    assert caught.value.blocks == (first, second)
    assert chain.tip.hash == first.hash and second.hash not in chain


# -- a mutated block is never accepted -------------------------------------------------------------

HEADER_FIELDS = ["parent_hash", "height", "timestamp", "tx_root", "state_root", "receipts_root",
                 "difficulty", "coinbase", "reward", "extra", "nonce", "seal"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_block_with_a_mutated_header_or_seal_is_never_accepted(data):
    chain = consortium()
    block = next_block(chain)
    if data.draw(st.booleans(), label="mutate a commit seal"):
        seals = list(block.commit_seals)
        index = data.draw(st.integers(0, len(seals) - 1))
        position = data.draw(st.integers(0, len(seals[index]) - 1))
        seals[index] = (seals[index][:position] + bytes([seals[index][position] ^ data.draw(
            st.integers(1, 255))]) + seals[index][position + 1:])
        if data.draw(st.booleans(), label="and drop another"):  # three good ones would do
            others = [i for i in range(len(seals)) if i != index]
            del seals[data.draw(st.sampled_from(others))]
        mutated = Block(block.header, block.transactions, tuple(seals))
    else:
        name = data.draw(st.sampled_from(HEADER_FIELDS))
        value = getattr(block.header, name)
        if isinstance(value, int):
            other = data.draw(st.integers(0, 2**32).filter(lambda v: v != value))
        elif isinstance(value, bytes):
            other = data.draw(st.binary(max_size=100).filter(lambda v: v != value))
        else:
            other = data.draw(st.sampled_from([shop.address, outsider.address, platform.address,
                                               logistics.address]).filter(lambda v: v != value))
        mutated = Block(replace(block.header, **{name: other}), block.transactions,
                        block.commit_seals)
    with pytest.raises(ValidationError):
        chain.add_block(mutated)
    assert chain.add_block(block).name == "EXTENDED"


# -- a chain file ---------------------------------------------------------------------------------

def test_the_engine_describes_itself_for_a_chain_file():
    engine = consortium(period=3).engine
    again = engine_from_description(engine.describe())
    assert isinstance(again, ByzantineFaultTolerance) and again == engine


def test_a_thousand_final_blocks_go_to_a_file_reopen_and_verify_in_full(tmp_path):
    path = tmp_path / "consortium.chain"
    chain = open_chain(path, consortium().engine, consortium().params, producers=VALIDATORS)
    for n in range(1_000):
        if n % 4 == 0:
            chain.submit(customer.pay(shop.address, 1, chain=chain))
        chain.produce_block()
    tip = chain.tip.hash
    chain.close()
    with open_chain(path, producers=VALIDATORS) as again:
        assert again.tip.hash == tip and again.finalized_height == 1_000
        assert len(again.tip.commit_seals) == 4
    checked = verify_chain_file(path, full=True)
    assert checked.tip.hash == tip and checked.balance(shop.address) == 250


def test_verify_full_refuses_a_file_whose_block_lost_its_commit_seals(tmp_path):
    path = tmp_path / "consortium.chain"
    with open_chain(path, consortium().engine, consortium().params, producers=VALIDATORS) as c:
        for _ in range(3):
            c.produce_block()
        stripped = resealed(c.blocks[2], platform)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("UPDATE blocks SET data = ? WHERE height = 2", (stripped.serialize(),))
    db.close()
    verify_chain_file(path)  # the structure is intact: the hash does not cover the seals...
    with pytest.raises(InvalidStoredBlock, match="block 2 .* carries 1 commit seal"):
        verify_chain_file(path, full=True)  # ...but one seal is no quorum
