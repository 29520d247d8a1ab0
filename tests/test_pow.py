"""Proof of Work with Bitcoin's rules: compact targets, Bitcoin's genesis header, retargeting,
median-time-past, the miner, fork choice by cumulative work, and the block subsidy.

Reference vectors come from Bitcoin Core (src/test/arith_uint256_tests.cpp `bignum_SetCompact`,
src/test/pow_tests.cpp `get_next_work*`, src/test/validation_tests.cpp `subsidy_limit_test`)
and from Bitcoin's mainnet genesis block.
"""

from __future__ import annotations

import dataclasses
import hashlib
import struct
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain import Blockchain, Wallet
from minichain.block import ZERO_ADDRESS, Block, BlockHeader
from minichain.chain import AddResult
from minichain.clock import date_text
from minichain.errors import TimestampInFuture, TimestampTooEarly, WrongReward
from minichain.consensus.proof_of_work import (
    InsufficientWork,
    ProofOfWork,
    WrongDifficulty,
    bits_to_target,
    block_work,
    median_time_past,
    mine,
    target_to_bits,
)

MINER = Wallet.from_seed("miner")
LIMIT_BITS = 0x207FFFFF  # the default easiest target (Bitcoin's regtest powLimit)
LIMIT = 0x7FFFFF << 232
TWO_HOURS = 2 * 60 * 60


def node_state(chain: Blockchain) -> tuple:
    return chain.tip.hash, chain.state.root(), chain.height, chain.total_weight()


def assert_refused(chain: Blockchain, block: Block, error: type, fragment: str) -> None:
    before = node_state(chain)
    with pytest.raises(error, match=fragment) as caught:
        chain.add_block(block)
    assert type(caught.value) is error
    assert node_state(chain) == before
    assert block.hash not in chain


def remine(block: Block, **changes) -> Block:
    """`block` with header fields changed and mined again (a valid proof for the new fields)."""
    header = dataclasses.replace(block.header, nonce=0, **changes)
    return Block(mine(header), block.transactions)


def header_at(height: int, timestamp: int, bits: int) -> BlockHeader:
    return BlockHeader(parent_hash=bytes(32), height=height, timestamp=timestamp,
                       tx_root=bytes(32), state_root=bytes(32), receipts_root=bytes(32),
                       difficulty=bits,
                       coinbase=ZERO_ADDRESS, reward=0)


class Headers:
    """A minimal HeaderSource: `ancestors` walks a list of headers from the last one back."""

    def __init__(self, headers: list[BlockHeader]):
        self.headers = headers

    def header(self, block_hash: bytes) -> BlockHeader:
        raise KeyError(block_hash)

    def ancestors(self, header: BlockHeader):
        assert header is self.headers[-1]
        yield from reversed(self.headers)


def pow_chain(**options) -> Blockchain:
    return Blockchain.proof_of_work(miner=MINER, **options)


# -- compact "bits" encoding (Bitcoin Core arith_uint256_tests.cpp, bignum_SetCompact) ----------

SET_COMPACT_VECTORS = [  # (bits, target, GetCompact of that target)
    (0x00000000, 0, 0),
    (0x00123456, 0, 0),
    (0x01003456, 0, 0),
    (0x02000056, 0, 0),
    (0x03000000, 0, 0),
    (0x04000000, 0, 0),
    (0x00923456, 0, 0),  # sign bit set but the mantissa shifts out to zero: not negative
    (0x01803456, 0, 0),
    (0x02800056, 0, 0),
    (0x03800000, 0, 0),
    (0x04800000, 0, 0),
    (0x01123456, 0x12, 0x01120000),
    (0x02123456, 0x1234, 0x02123400),
    (0x03123456, 0x123456, 0x03123456),
    (0x04123456, 0x12345600, 0x04123456),
    (0x05009234, 0x92340000, 0x05009234),
    (0x20123456, 0x1234560000000000000000000000000000000000000000000000000000000000, 0x20123456),
    # mainnet genesis / difficulty 1, block 100 000's bits, regtest's limit
    (0x1D00FFFF, 0x00000000FFFF0000000000000000000000000000000000000000000000000000, 0x1D00FFFF),
    (0x1B0404CB, 0x00000000000404CB000000000000000000000000000000000000000000000000, 0x1B0404CB),
    (0x207FFFFF, 0x7FFFFF0000000000000000000000000000000000000000000000000000000000, 0x207FFFFF),
    # largest targets that still fit in 256 bits, one per overflow clause
    (0x2100FFFF, 0xFFFF << 240, 0x2100FFFF),
    (0x220000FF, 0xFF << 248, 0x2100FF00),  # non-canonical input
]


@pytest.mark.parametrize("bits, target, compact", SET_COMPACT_VECTORS,
                         ids=[f"{v[0]:#010x}" for v in SET_COMPACT_VECTORS])
def test_set_compact_vectors(bits, target, compact):
    assert bits_to_target(bits) == target
    assert target_to_bits(target) == compact


def test_get_compact_never_sets_the_sign_bit():
    assert target_to_bits(0x80) == 0x02008000
    assert target_to_bits(0x800000) == 0x04008000
    assert target_to_bits(0xFFFFFF) == 0x0400FFFF  # rounds down, like GetCompact
    assert target_to_bits(2**256 - 1) == 0x2100FFFF


@pytest.mark.parametrize("bits", [0x04923456, 0x01FEDCBA, 0x05800001, 0x1D80FFFF, 0x20FFFFFF])
def test_negative_compact_is_refused(bits):
    with pytest.raises(ValueError, match="negative"):
        bits_to_target(bits)


@pytest.mark.parametrize("bits", [0xFF123456, 0x23000001, 0x22000100, 0x21010000, 0x22123456])
def test_overflowing_compact_is_refused(bits):
    with pytest.raises(ValueError, match="larger than 256 bits"):
        bits_to_target(bits)


def test_zero_mantissa_never_overflows():
    assert bits_to_target(0xFF000000) == 0
    assert bits_to_target(0xFF800000) == 0  # "negative zero" is zero, as in Bitcoin


def reference_get_compact(target: int) -> int:
    """GetCompact as Bitcoin 0.1–0.9 computed it, through OpenSSL's MPI bytes (BN_bn2mpi):
    big-endian magnitude with a 0x00 prepended if the top bit is set; size = its length."""
    mpi = target.to_bytes((target.bit_length() + 7) // 8, "big") if target else b""
    if mpi and mpi[0] & 0x80:
        mpi = b"\x00" + mpi
    return len(mpi) << 24 | int.from_bytes((mpi + bytes(3))[:3], "big")


def reference_set_compact(bits: int) -> int:
    """SetCompact through MPI bytes: `size` bytes, the mantissa's three first (no sign bit)."""
    size, mantissa = bits >> 24, (bits & 0x7FFFFF).to_bytes(3, "big")
    return int.from_bytes((mantissa + bytes(max(0, size - 3)))[:size], "big") if size else 0


targets = st.one_of(
    st.integers(min_value=0, max_value=2**256 - 1),
    st.integers(min_value=0, max_value=2**32),
    st.builds(lambda m, k: m << (8 * k), st.integers(0, 0x7FFFFF), st.integers(0, 29)),
)


@given(targets)
@settings(max_examples=300, deadline=None)
def test_target_round_trip(target):
    bits = target_to_bits(target)
    assert bits == reference_get_compact(target)
    assert not bits & 0x00800000  # a positive target never encodes as negative
    decoded = bits_to_target(bits)
    assert decoded == reference_set_compact(bits)
    assert decoded <= target  # rounding is always down (never an easier target)
    assert target - decoded < max(1, 2 ** (target.bit_length() - 15))  # ≥ 15 significant bits
    assert target_to_bits(decoded) == bits  # canonical: decoding and re-encoding is stable


@given(st.integers(0, 0x7FFFFF), st.integers(0, 29))
def test_exactly_representable_targets_round_trip_exactly(mantissa, shift):
    target = mantissa << (8 * shift)
    assert bits_to_target(target_to_bits(target)) == target


@given(st.integers(min_value=0, max_value=2**32 - 1))
@settings(max_examples=300, deadline=None)
def test_bits_decode_like_the_reference_or_refuse(bits):
    try:
        target = bits_to_target(bits)
    except ValueError:
        size, word = bits >> 24, bits & 0x7FFFFF
        word = word >> 8 * (3 - size) if size <= 3 else word
        assert word != 0 and (bits & 0x00800000 or size > 32)
        return
    assert target == reference_set_compact(bits)
    assert target < 2**256


# -- Bitcoin's real genesis block ------------------------------------------------------------

GENESIS_HASH = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
GENESIS_MERKLE = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"


def bitcoin_header(nonce: int = 2083236893) -> bytes:
    """80 bytes: version, previous hash, Merkle root, time, bits, nonce (little-endian fields;
    hashes in internal byte order, i.e. reversed from how explorers display them)."""
    return (struct.pack("<I", 1) + bytes(32) + bytes.fromhex(GENESIS_MERKLE)[::-1]
            + struct.pack("<III", 1231006505, 0x1D00FFFF, nonce))


def bitcoin_pow_ok(header: bytes) -> tuple[bool, str]:
    digest = hashlib.sha256(hashlib.sha256(header).digest()).digest()
    bits = struct.unpack_from("<I", header, 72)[0]
    return (int.from_bytes(digest, "little") <= bits_to_target(bits)), digest[::-1].hex()


def test_bitcoin_genesis_header_verifies():
    header = bitcoin_header()
    assert len(header) == 80
    ok, shown = bitcoin_pow_ok(header)
    assert shown == GENESIS_HASH
    assert ok


def test_bitcoin_genesis_with_another_nonce_fails():
    ok, shown = bitcoin_pow_ok(bitcoin_header(nonce=2083236894))
    assert shown != GENESIS_HASH
    assert not ok


def test_bitcoins_genesis_checks_with_the_engine_module_in_a_fresh_interpreter():
    code = ("import hashlib, minichain.consensus.proof_of_work as p; h = bytes.fromhex(%r); "
            "d = hashlib.sha256(hashlib.sha256(h).digest()).digest(); "
            "print(int.from_bytes(d, 'little') <= p.bits_to_target(0x1d00ffff), d[::-1].hex())"
            % bitcoin_header().hex())
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", GENESIS_HASH]


# -- retargeting: Bitcoin Core pow_tests.cpp ---------------------------------------------------

BITCOIN_MAINNET = dict(pow_limit_bits=0x1D00FFFF, target_spacing=600, retarget_interval=2016,
                       bitcoin_off_by_one=True)


@pytest.mark.parametrize("first_time, last_height, last_time, last_bits, expected", [
    (1261130161, 32255, 1262152739, 0x1D00FFFF, 0x1D00D86A),  # get_next_work
    (1231006505, 2015, 1233061996, 0x1D00FFFF, 0x1D00FFFF),  # get_next_work_pow_limit
    (1279008237, 68543, 1279297671, 0x1C05A3F4, 0x1C0168FD),  # ..._lower_limit_actual (÷4)
    (1263163443, 46367, 1269211443, 0x1C387F6F, 0x1D00E1FD),  # ..._upper_limit_actual (×4)
])
def test_bitcoin_core_retarget_vectors(first_time, last_height, last_time, last_bits, expected):
    engine = ProofOfWork(**BITCOIN_MAINNET)
    first = header_at(last_height - 2015, first_time, 0x1D00FFFF)
    parent = header_at(last_height, last_time, last_bits)
    assert engine.next_bits(Headers([first, parent]), parent) == expected


def test_no_retarget_between_boundaries():
    engine = ProofOfWork(**BITCOIN_MAINNET)
    parent = header_at(32254, 1262152739, 0x1C05A3F4)
    assert engine.next_bits(Headers([parent]), parent) == 0x1C05A3F4


@given(parent_target=st.integers(1, LIMIT), span=st.integers(-10**6, 10**6))
@settings(max_examples=200, deadline=None)
def test_retarget_bounds(parent_target, span):
    engine = ProofOfWork(retarget_interval=4, target_spacing=10)
    bits = target_to_bits(parent_target)
    parent_target = bits_to_target(bits)
    first = header_at(0, 1_000_000, bits)
    parent = header_at(3, 1_000_000 + span, bits)
    new = bits_to_target(engine.next_bits(Headers([first, parent]), parent))
    assert new <= LIMIT  # never easier than the limit
    assert new <= parent_target * 4  # at most 4x easier
    assert new >= (parent_target // 4) * (1 - 2**-15) - 1  # at most 4x harder (compact rounding)


def produce(chain: Blockchain, *timestamps: int) -> list[Block]:
    blocks = [chain.produce_block(timestamp=t) for t in timestamps]
    assert [b.header.timestamp for b in blocks] == list(timestamps)
    return blocks


def close_to(actual: int, expected: int) -> bool:
    """Equal up to compact rounding (always down, by less than 2^-15)."""
    return expected * (1 - 2**-15) <= actual <= expected


def test_fast_blocks_raise_difficulty_clamped_at_4x():
    chain = pow_chain(retarget_interval=4, target_spacing=10)
    g = chain.genesis.header.timestamp
    produce(chain, g + 1, g + 2, g + 3)  # 3 s for what should take 30 s
    assert {b.header.difficulty for b in chain.blocks} == {LIMIT_BITS}
    block = produce(chain, g + 4)[0]
    new = bits_to_target(block.header.difficulty)
    assert close_to(new, LIMIT // 4)  # clamped: not LIMIT * 3 / 30
    assert new > LIMIT * 3 // 30
    assert int.from_bytes(block.hash, "big") <= new
    produce(chain, g + 5, g + 6, g + 7)  # next window: fast again, 4x harder again
    assert chain.tip.header.difficulty == block.header.difficulty
    block = produce(chain, g + 8)[0]
    assert close_to(bits_to_target(block.header.difficulty), new // 4)


@pytest.mark.parametrize("gap, factor", [(7, 21 / 30), (10, 1), (15, 45 / 30)])
def test_retarget_within_bounds_is_proportional(gap, factor):
    """The span runs from the first to the last block of the window (interval - 1 gaps) and is
    compared with interval - 1 target spacings, so blocks exactly on schedule keep the target
    (Bitcoin compares with interval spacings, an off-by-one not copied here)."""
    start = 0x1F7FFFFF
    chain = pow_chain(retarget_interval=4, target_spacing=10, initial_bits=start)
    g = chain.genesis.header.timestamp
    produce(chain, *(g + gap * i for i in range(1, 5)))
    new = bits_to_target(chain.tip.header.difficulty)
    assert close_to(new, int(bits_to_target(start) * factor))


def test_slow_blocks_lower_difficulty_clamped_at_4x():
    start = 0x1F7FFFFF  # 256 times harder than the limit
    chain = pow_chain(retarget_interval=4, target_spacing=10, initial_bits=start)
    g = chain.genesis.header.timestamp
    produce(chain, g + 1000, g + 2000, g + 3000)  # 3000 s instead of 30 s
    block = produce(chain, g + 4000)[0]
    new = bits_to_target(block.header.difficulty)
    assert close_to(new, bits_to_target(start) * 4)  # clamped: not 100x
    assert new < bits_to_target(start) * 5


def test_difficulty_never_easier_than_the_limit():
    chain = pow_chain(retarget_interval=2, target_spacing=10, initial_bits=0x203FFFFF)
    g = chain.genesis.header.timestamp
    produce(chain, g + 100, g + 200)  # slow: 4x easier would be twice the limit
    assert chain.tip.header.difficulty == LIMIT_BITS
    produce(chain, g + 1000, g + 2000)  # already at the limit: stays there
    assert chain.tip.header.difficulty == LIMIT_BITS
    assert bits_to_target(chain.tip.header.difficulty) == LIMIT


def test_block_with_wrong_bits_is_refused():
    chain = pow_chain(retarget_interval=4, target_spacing=10)
    g = chain.genesis.header.timestamp
    good = chain.build_block(timestamp=g + 1)
    harder = remine(good, difficulty=0x1F7FFFFF)  # more work than required is still wrong
    assert_refused(chain, harder, WrongDifficulty,
                   "bits are 0x1f7fffff, but the retarget rule requires 0x207fffff at this height")
    assert chain.add_block(good) is AddResult.EXTENDED
    produce(chain, g + 2, g + 3)
    good = chain.build_block(timestamp=g + 4)  # height 4: retarget
    assert good.header.difficulty != LIMIT_BITS
    stale = remine(good, difficulty=LIMIT_BITS)  # ignores the retarget
    assert_refused(chain, stale, WrongDifficulty,
                   f"bits are 0x207fffff, but the retarget rule requires "
                   f"{good.header.difficulty:#010x}")
    assert chain.add_block(good) is AddResult.EXTENDED


# -- timestamps: median time past and the two-hour limit ---------------------------------------

def test_median_time_past_function():
    times = [5, 1, 9, 3, 7, 2, 8, 6, 4, 10, 11, 0, 100]
    headers = [header_at(h, t, LIMIT_BITS) for h, t in enumerate(times)]
    source = Headers(headers)
    assert median_time_past(source, headers[-1]) == sorted(times[-11:])[5] == 7
    assert median_time_past(Headers(headers[:1]), headers[0]) == 5
    assert median_time_past(Headers(headers[:4]), headers[3]) == sorted(times[:4])[2] == 5


def test_timestamp_must_be_after_median_of_last_11():
    chain = pow_chain()
    g = chain.genesis.header.timestamp
    produce(chain, *(g + 10 * i for i in range(1, 11)), g + 1000)
    median = sorted(b.header.timestamp for b in chain.blocks[-11:])[5]
    assert median == g + 60 and chain.tip.header.timestamp == g + 1000
    good = chain.build_block(timestamp=median + 1)
    for too_early in (median, median - 1, g):
        bad = remine(good, timestamp=too_early)
        assert_refused(chain, bad, TimestampTooEarly,
                       f"time {date_text(too_early)} is too early: it must be later than the median "
                       f"time of the last 11 blocks, so it must be at least {date_text(median + 1)}")
    # median + 1 is fine, although it is earlier than the parent's time
    assert chain.add_block(good) is AddResult.EXTENDED
    assert good.header.timestamp < chain.block(chain.height - 1).header.timestamp


def test_timestamp_at_most_two_hours_ahead():
    chain = pow_chain()
    now = chain.clock.now()
    late = chain.build_block(timestamp=now + TWO_HOURS + 1)
    assert_refused(chain, late, TimestampInFuture,
                   f"time {date_text(now + TWO_HOURS + 1)} is in the future: the latest time "
                   f"accepted now is {date_text(now + TWO_HOURS)}")
    chain.clock.advance(1)  # a second later the same block is acceptable
    assert chain.add_block(late) is AddResult.EXTENDED


def test_timestamp_exactly_two_hours_ahead_is_accepted():
    chain = pow_chain()
    edge = chain.build_block(timestamp=chain.clock.now() + TWO_HOURS)
    assert chain.add_block(edge) is AddResult.EXTENDED


# -- the miner -------------------------------------------------------------------------------

def unmined(bits: int = 0x1F7FFFFF) -> BlockHeader:
    return BlockHeader(parent_hash=b"\x11" * 32, height=7, timestamp=1_767_225_600,
                       tx_root=b"\x22" * 32, state_root=b"\x33" * 32, receipts_root=b"\x44" * 32,
                       difficulty=bits,
                       coinbase=MINER.address, reward=50, extra=b"shop")


def test_miner_finds_first_nonce_at_or_below_target():
    header = unmined()
    target = bits_to_target(header.difficulty)
    mined = mine(header)
    assert int.from_bytes(mined.hash, "big") <= target
    assert mined.hash == hashlib.sha256(hashlib.sha256(mined.serialize()).digest()).digest()
    assert mined == dataclasses.replace(header, nonce=mined.nonce)  # only the nonce changed
    assert mined.nonce > 0  # (at 1/512 odds per try, nonce 0 winning would be a fluke)
    for nonce in range(mined.nonce):  # every earlier nonce really failed
        assert int.from_bytes(header.with_nonce(nonce).hash, "big") > target


def test_miner_is_deterministic_and_honours_start_and_budget():
    header = unmined()
    first = mine(header)
    assert mine(header) == first
    assert mine(header, start_nonce=first.nonce) == first
    later = mine(header, start_nonce=first.nonce + 1)
    assert later.nonce > first.nonce
    with pytest.raises(RuntimeError, match="no valid nonce among 50 attempts"):
        mine(unmined(0x1D00FFFF), max_attempts=50)


def test_changed_nonce_is_insufficient_work():
    chain = pow_chain()
    good = chain.build_block(timestamp=chain.clock.now() + 10)
    target = bits_to_target(good.header.difficulty)
    nonce = good.header.nonce + 1
    while int.from_bytes(good.header.with_nonce(nonce).hash, "big") <= target:
        nonce += 1
    bad = Block(good.header.with_nonce(nonce), good.transactions)
    assert_refused(chain, bad, InsufficientWork,
                   f"hash {bad.hash.hex()[:12]}… is above the target 7fffff0000000000…")
    assert chain.add_block(good) is AddResult.EXTENDED


# -- fork choice: most cumulative work, not most blocks ----------------------------------------

def test_shorter_branch_with_more_work_wins():
    options = dict(retarget_interval=2, target_spacing=10)
    fast, slow = pow_chain(**options), pow_chain(**options)
    g = fast.genesis.header.timestamp
    produce(fast, g + 1, g + 2, g + 3, g + 4)  # every retarget makes it 4x harder
    produce(slow, *(g + 100 * i for i in range(1, 11)))  # stays at the limit
    assert fast.genesis.hash == slow.genesis.hash
    assert fast.height == 4 and slow.height == 10
    assert fast.tip.header.difficulty != LIMIT_BITS
    assert {b.header.difficulty for b in slow.blocks} == {LIMIT_BITS}
    for chain in (fast, slow):
        assert chain.total_weight() == sum(block_work(b.header.difficulty) for b in chain.blocks)
    assert fast.total_weight() > slow.total_weight()

    node = pow_chain(**options)
    node.clock.advance(1000)
    for block in slow.blocks[1:]:
        assert node.add_block(block) is AddResult.EXTENDED
    results = [node.add_block(block) for block in fast.blocks[1:]]
    assert results == [AddResult.SIDE_BRANCH] * 3 + [AddResult.REORGANISED]
    assert node.tip.hash == fast.tip.hash and node.height == 4
    assert node.state.root() == fast.state.root()

    other = pow_chain(**options)  # the other arrival order: the long branch never takes over
    other.clock.advance(1000)
    for block in fast.blocks[1:]:
        other.add_block(block)
    assert {other.add_block(b) for b in slow.blocks[1:]} == {AddResult.SIDE_BRANCH}
    assert other.tip.hash == fast.tip.hash


def test_block_work_is_2_256_over_target_plus_one():
    assert block_work(0x1D00FFFF) == 0x100010001  # Bitcoin's difficulty-1 work (GetBlockProof)
    assert block_work(LIMIT_BITS) == 2
    assert block_work(0x1F7FFFFF) == 2**256 // ((0x7FFFFF << 224) + 1)


# -- subsidy and halving -----------------------------------------------------------------------

def test_subsidy_halves():
    engine = ProofOfWork(halving_interval=3)
    assert [engine.subsidy(h) for h in range(10)] == [0, 50, 50, 25, 25, 25, 12, 12, 12, 6]
    assert engine.subsidy(3 * 64) == 0 and engine.subsidy(10**9) == 0
    assert ProofOfWork().subsidy(10**9) == 50  # no halving by default
    assert ProofOfWork().subsidy(0) == 0  # the genesis block creates nothing
    # Bitcoin forces the subsidy to zero from the 64th halving on, whatever its size
    huge = ProofOfWork(block_subsidy=2**80, halving_interval=1)
    assert huge.subsidy(63) == 2**17 and huge.subsidy(64) == 0


def test_bitcoin_schedule_total_supply():
    btc = ProofOfWork(block_subsidy=50 * 10**8, halving_interval=210_000)
    assert btc.subsidy(209_999) == 5_000_000_000
    assert btc.subsidy(210_000) == 2_500_000_000
    assert btc.subsidy(840_000) == 312_500_000
    assert btc.subsidy(210_000 * 33) == 0  # 50 BTC >> 33 rounds to nothing
    total = 209_999 * btc.subsidy(1) + sum(
        210_000 * btc.subsidy(210_000 * k) for k in range(1, 70))
    # Bitcoin Core's subsidy_limit_test sum, minus the genesis block's unspendable 50 BTC
    assert total == 2_099_999_997_690_000 - 5_000_000_000


def test_miner_is_paid_the_halving_subsidy():
    chain = pow_chain(halving_interval=2)
    for _ in range(4):
        chain.produce_block()
    assert [b.header.reward for b in chain.blocks[1:]] == [50, 25, 25, 12]
    assert chain.balance(MINER.address) == 112
    greedy = chain.build_block()
    greedy = remine(greedy, reward=greedy.header.reward + 1)
    chain.clock.advance(10)
    assert_refused(chain, greedy, WrongReward,
                   "claims a reward of 13, but the subsidy is 12 and the fees are 0")
