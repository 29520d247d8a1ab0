"""What a consensus costs: a mining shop pays in hashes, a consortium of platform, logistics and
bank pays in signatures, and the table that sets them side by side is measured, not typed in."""


import pytest

from minichain import Blockchain, ProofOfAuthority, Wallet
from minichain.consensus.engine import SealingCost
from minichain.consensus.costs import ConsensusCost, consensus_cost, cost_table
from minichain.consensus.proof_of_work import block_work

shop, customer, miner = (Wallet.from_seed(s) for s in ("shop", "customer", "miner"))
platform, logistics, bank, customs = (
    Wallet.from_seed(s) for s in ("platform", "logistics", "bank", "customs"))
SIXTEEN_ZERO_BITS = 0x1F00FFFF  # the target 0xffff << 224: about 2^16 hashes a block
EIGHT_ZERO_BITS = 0x2000FFFF  # about 2^8


def mined(blocks: int, bits: int = SIXTEEN_ZERO_BITS, **options) -> Blockchain:
    chain = Blockchain.proof_of_work(allocations={customer.address: 100}, miner=miner,
                                     initial_bits=bits, **options)
    for _ in range(blocks):
        chain.produce_block()
    return chain


def consortium(blocks: int) -> Blockchain:
    chain = Blockchain.proof_of_authority([platform, logistics, bank],
                                          allocations={customer.address: 100})
    for _ in range(blocks):
        chain.produce_block()
    return chain


def test_a_mined_block_costs_its_work_in_hashes_and_no_signature():
    cost = consensus_cost(mined(4))
    assert cost.engine == "proof of work" and cost.blocks == 4
    assert cost.hashes_per_block == block_work(SIXTEEN_ZERO_BITS) == 65_537
    assert cost.hashes == 4 * 65_537
    assert cost.signatures == 0
    assert cost.seconds_per_block == 10  # the engine's target spacing, on the simulated clock
    assert cost.producers == 1
    assert cost.validators is None and "anyone" in cost.who_can_join


def test_each_extra_zero_bit_doubles_the_hashes():
    easy, hard = consensus_cost(mined(3, EIGHT_ZERO_BITS)), consensus_cost(mined(3))
    assert easy.hashes_per_block == 256
    assert hard.hashes_per_block / easy.hashes_per_block == pytest.approx(2 ** 8, rel=0.01)


def test_a_retargeted_chain_is_counted_block_by_block():
    # blocks twice as fast as the 10 s aimed for: at block 4 the difficulty doubles
    chain = Blockchain.proof_of_work(allocations={}, miner=miner, initial_bits=EIGHT_ZERO_BITS,
                                     retarget_interval=4)
    start = chain.genesis.header.timestamp
    for height in range(1, 7):
        chain.produce_block(timestamp=start + 5 * height)
    bits = [block.header.difficulty for block in chain.blocks[1:]]
    assert len(set(bits)) == 2  # the retarget really happened
    cost = consensus_cost(chain)
    assert cost.hashes == sum(block_work(b) for b in bits)
    assert cost.hashes != 6 * block_work(chain.tip.header.difficulty)
    assert cost.seconds_per_block == 5


def test_a_consortium_block_costs_one_signature_and_no_hashes():
    cost = consensus_cost(consortium(6))
    assert cost.engine == "proof of authority" and cost.blocks == 6
    assert cost.hashes == 0 and cost.signatures_per_block == 1
    assert cost.seconds_per_block == 5  # the Clique period
    assert cost.producers == 3  # platform, logistics and bank took turns
    assert cost.validators == 3 and "voted in by a majority (now 3)" in cost.who_can_join


def test_voting_customs_in_shows_in_who_can_join():
    chain = consortium(0)
    for voter in (platform, bank):
        chain.engine.propose(voter.address, customs.address, True)
    for _ in range(3):
        chain.produce_block()
    chain.produce_block(producer=customs)
    cost = consensus_cost(chain)
    assert cost.validators == 4 and cost.producers == 4
    assert "(now 4)" in cost.who_can_join


def test_a_chain_without_blocks_has_nothing_to_measure():
    with pytest.raises(ValueError, match="no blocks after the genesis block"):
        consensus_cost(consortium(0))


def test_what_a_seal_costs_is_the_engines_own_to_say():
    class Witnessed(ProofOfAuthority):  # a consortium whose blocks each carry three signatures
        name = "witnessed authority"

        def sealing_cost(self, chain, headers):
            return SealingCost(hashes=0, signatures=3 * len(headers), validators=3)

    chain = consortium(2)
    chain.engine = Witnessed(validators=chain.engine.validators)
    cost = consensus_cost(chain)
    assert (cost.engine, cost.signatures, cost.validators) == ("witnessed authority", 6, 3)


def test_the_table_sets_the_two_side_by_side_from_the_measurements():
    work, authority = consensus_cost(mined(3)), consensus_cost(consortium(3))
    headers, rows = cost_table([work, authority])
    assert headers == ("", "proof of work", "proof of authority")
    table = {label: values for label, *values in rows}
    assert table["hashes to seal a block (the puzzle)"] == ["65,537", "0"]
    assert table["energy proxy: hashes for all these blocks"] == ["196,611", "0"]
    assert table["signatures to seal a block"] == ["0", "1"]
    assert table["seconds per block"] == ["10.0", "5.0"]
    assert table["who can join"] == [work.who_can_join, authority.who_can_join]
    assert all(len(row) == 3 for row in rows)


def test_a_cost_is_plain_data():
    cost = ConsensusCost("proof of work", 2, 10, 0, 30, 1, None)
    assert (cost.hashes_per_block, cost.seconds_per_block) == (5, 15)
