"""Verifying signatures on a pool of processes gives exactly the answers and errors of verifying
them one by one: per signature, for a block, and for a whole chain file (`verify --full`)."""

from __future__ import annotations

import pytest

from minichain import Blockchain, ChainParams, ProofOfAuthority, Wallet, crypto, \
    signature_batch
from minichain.block import Block
from minichain.consensus.signer_seal import SEAL_SIZE
from minichain.store import InvalidStoredBlock, persist, verify_chain_file

VALIDATORS = [Wallet.from_seed(name) for name in ("platform", "logistics", "bank")]
CUSTOMERS = [Wallet.from_seed(f"customer {i}") for i in range(8)]
SHOP = Wallet.from_seed("shop")
PARAMS = ChainParams(allocations={c.address: 10**6 for c in CUSTOMERS})


@pytest.fixture(params=crypto.available_backends())
def backend(request):
    with crypto.use_backend(request.param) as name:
        yield name


@pytest.fixture
def pool(monkeypatch):
    """The pool forced on (two workers, small batches, small blocks count as big), whatever
    this machine's cores; stopped afterwards."""
    monkeypatch.setattr(signature_batch, "parallel_workers", lambda: 2)
    monkeypatch.setattr(signature_batch, "BATCH", {name: 3 for name in signature_batch.BATCH})
    monkeypatch.setattr(signature_batch, "PARALLEL_FROM",
                        {name: 4 for name in signature_batch.PARALLEL_FROM})
    yield
    assert signature_batch._pool is not None, "the pool was never started"
    signature_batch.shutdown()


@pytest.fixture
def no_pool(monkeypatch):
    monkeypatch.setattr(signature_batch, "parallel_workers", lambda: 0)
    monkeypatch.setattr(signature_batch, "PARALLEL_FROM",
                        {name: 4 for name in signature_batch.PARALLEL_FROM})
    yield
    assert signature_batch._pool is None


def _high_s(signature: bytes) -> bytes:
    s = int.from_bytes(signature[32:], "big")
    return signature[:32] + (crypto.CURVE_ORDER - s).to_bytes(32, "big")


def _mixed_triples() -> list[tuple[bytes, bytes, bytes]]:
    """Valid signatures, and every way one can be wrong."""
    triples = []
    for i, wallet in enumerate(CUSTOMERS):
        message = f"payment {i}".encode()
        signature = wallet.sign(message)
        key = wallet.public_key
        triples += [
            (key, message, signature),                                   # valid
            (key, message + b"!", signature),                            # message changed
            (key, message, signature[:-1] + bytes([signature[-1] ^ 1])),  # signature changed
            (key, message, _high_s(signature)),                          # the high-S twin
            (CUSTOMERS[i - 1].public_key, message, signature),           # someone else's key
            (key, message, signature[:63]),                              # too short
            (key, message, bytes(32) + signature[32:]),                  # r = 0
            (key[:32], message, signature),                              # key cut short
            (b"\x02" + bytes(32), message, signature),                   # not on the curve
            (key, b"", b""),                                             # nothing at all
        ]
    return triples


def test_the_pool_answers_each_signature_exactly_as_verifying_it_here(backend, pool):
    triples = _mixed_triples()
    here = [crypto.verify(*t) for t in triples]
    assert here.count(True) == len(CUSTOMERS)  # the mix really is mixed
    assert signature_batch.verify_many(triples, parallel=True) == here
    assert signature_batch.verify_many(triples, parallel=False) == here


def test_without_processes_the_batch_is_verified_here(backend, no_pool):
    triples = _mixed_triples()
    assert signature_batch.verify_many(triples, parallel=True) == \
        [crypto.verify(*t) for t in triples]


def test_workers_verify_with_the_backend_the_program_uses_now(pool):
    wallet = CUSTOMERS[0]
    triples = [(wallet.public_key, b"m", _high_s(wallet.sign(b"m")))] * 5 + \
              [(wallet.public_key, b"m", wallet.sign(b"m"))] * 5
    for name in crypto.available_backends():  # the same pool, each backend in turn
        with crypto.use_backend(name):
            assert signature_batch.verify_many(triples, parallel=True) == [False] * 5 + [True] * 5


def test_remembered_signatures_are_hits_of_the_chains_cache():
    cache = crypto.SignatureCache()
    wallet = CUSTOMERS[0]
    good = (wallet.public_key, b"m", wallet.sign(b"m"))
    bad = (wallet.public_key, b"n", wallet.sign(b"m"))
    signature_batch._remember_valid(cache, [good, bad], [True, False])
    assert cache.knows(*good) and not cache.knows(*bad)
    assert cache.verify(*good) and cache.hits == 1  # found without verifying again
    assert not cache.verify(*bad)


# -- a big block -----------------------------------------------------------------------------------

def _chain(clock=None) -> Blockchain:
    return Blockchain(ProofOfAuthority(validators=tuple(v.address for v in VALIDATORS)), PARAMS,
                      producers=VALIDATORS, clock=clock)


def _big_block_with_one_bad_signature(position: int) -> tuple[Blockchain, Block]:
    producer = _chain()
    txs = [c.pay(SHOP.address, 1 + n, chain=producer, nonce=n)
           for n in range(3) for c in CUSTOMERS]
    bad = txs[position]
    txs[position] = bad.altered(amount=bad.amount + 1)  # the signature no longer matches
    producer.clock.advance(producer.engine.block_interval)
    block = producer.build_block(transactions=txs)
    return _chain(producer.clock), block


def _refusal(chain: Blockchain, block: Block) -> tuple[type, str, bytes]:
    with pytest.raises(Exception) as refused:
        chain.add_block(block)
    return type(refused.value), str(refused.value), chain.tip.hash


@pytest.mark.parametrize("position", [0, 11, 23])
def test_a_big_block_with_one_bad_signature_is_refused_alike_with_and_without_the_pool(
        backend, position, monkeypatch):
    chain, block = _big_block_with_one_bad_signature(position)
    monkeypatch.setattr(signature_batch, "parallel_workers", lambda: 0)
    serial = _refusal(chain, block)
    assert serial[0].__name__ == "BlockHasInvalidTransaction" and "signature" in serial[1]
    monkeypatch.setattr(signature_batch, "parallel_workers", lambda: 2)
    monkeypatch.setattr(signature_batch, "BATCH", {name: 5 for name in signature_batch.BATCH})
    monkeypatch.setattr(signature_batch, "PARALLEL_FROM",
                        {name: 4 for name in signature_batch.PARALLEL_FROM})
    chain, block = _big_block_with_one_bad_signature(position)
    try:
        assert _refusal(chain, block) == serial
        assert signature_batch._pool is not None
        good = [t for i, t in enumerate(signature_batch.block_signatures(block, seals=False))
                if i != position]
        assert all(chain.signatures.knows(*t) for t in good)  # found ahead
    finally:
        signature_batch.shutdown()


def test_a_big_valid_block_is_accepted_with_its_signatures_verified_on_the_pool(backend, pool):
    producer = _chain()
    for c in CUSTOMERS:
        producer.submit(c.pay(SHOP.address, 5, chain=producer))
    block = producer.produce_block()
    receiver = _chain(producer.clock)
    receiver.add_block(block)
    assert receiver.tip.hash == block.hash
    assert receiver.signatures.hits == len(block.transactions)  # each found verified ahead


def test_small_blocks_never_start_the_pool(monkeypatch):
    monkeypatch.setattr(signature_batch, "parallel_workers", lambda: 2)
    signature_batch.shutdown()
    producer = _chain()
    receiver = _chain(producer.clock)
    for c in CUSTOMERS:
        producer.submit(c.pay(SHOP.address, 5, chain=producer))
    receiver.add_block(producer.produce_block())
    assert signature_batch._pool is None


# -- a chain file --------------------------------------------------------------------------------

def _file_with_forged_seals(path, good_blocks: int = 12) -> int:
    """A PoA chain file whose last two blocks carry seals their signer never made (a valid
    signature of other bytes, by the right key), linked and stored like any other. Returns the
    height of the first."""
    chain = _chain()
    for n in range(good_blocks):
        for c in CUSTOMERS[:3]:
            chain.submit(c.pay(SHOP.address, 1, chain=chain))
        chain.produce_block()
    first = None
    for _ in range(2):
        chain.clock.advance(chain.engine.block_interval)
        block = chain.build_block()
        signer = next(v for v in VALIDATORS if v.address == block.header.coinbase)
        assert len(block.header.seal) == SEAL_SIZE
        forged = Block(block.header.with_seal(signer.public_key + signer.sign(b"other bytes")),
                       block.transactions)
        diff, receipts = _executed(chain, forged)
        chain.restore([(forged, diff, receipts)], forged.hash)
        first = first or forged.height
    persist(chain, path)
    chain.close()
    return first


def _executed(chain: Blockchain, block: Block):
    """What the block does to the state, as a node that skipped the seal check would find."""
    from minichain.execution import execute_block

    return execute_block(chain.state, block, subsidy=chain.engine.subsidy(block.height),
                         params=chain.params, signatures=chain.signatures,
                         runtime=chain.runtime)


def test_verify_full_names_the_same_first_invalid_block_with_and_without_the_pool(
        tmp_path, monkeypatch):
    path = tmp_path / "forged.chain"
    height = _file_with_forged_seals(path)
    verify_chain_file(path)  # hashes, links and roots are all consistent
    monkeypatch.setattr(signature_batch, "parallel_workers", lambda: 0)
    with pytest.raises(InvalidStoredBlock) as serial:
        verify_chain_file(path, full=True)
    assert serial.value.height == height and "seal" in str(serial.value)
    assert signature_batch._pool is None

    monkeypatch.setattr(signature_batch, "parallel_workers", lambda: 2)
    monkeypatch.setattr(signature_batch, "BATCH", {name: 4 for name in signature_batch.BATCH})
    settled = []
    settle = signature_batch.Ahead.settle
    monkeypatch.setattr(signature_batch.Ahead, "settle",
                        lambda self, h, cache: settled.append(settle(self, h, cache)) or True)
    try:
        with pytest.raises(InvalidStoredBlock) as parallel:
            verify_chain_file(path, full=True)
    finally:
        signature_batch.shutdown()
    assert (type(parallel.value), str(parallel.value)) == (type(serial.value), str(serial.value))
    assert settled and all(settled)  # every block checked had been verified ahead


def test_verify_full_of_a_sound_file_is_the_same_with_and_without_the_pool(
        tmp_path, backend, monkeypatch):
    path = tmp_path / "sound.chain"
    chain = _chain()
    for _ in range(6):
        for c in CUSTOMERS:
            chain.submit(c.pay(SHOP.address, 1, chain=chain))
        chain.produce_block()
    persist(chain, path)
    chain.close()
    monkeypatch.setattr(signature_batch, "parallel_workers", lambda: 0)
    serial = verify_chain_file(path, full=True)
    monkeypatch.setattr(signature_batch, "parallel_workers", lambda: 2)
    try:
        parallel = verify_chain_file(path, full=True)
    finally:
        signature_batch.shutdown()
    assert parallel.tip.hash == serial.tip.hash and parallel.height == 6

