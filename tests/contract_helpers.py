"""Sending contract calls in tests: one that must succeed, one that must be refused."""

import pytest


def act(client, wallet, method, **args):
    """Send a call, put it in a block, and insist that it succeeded; returns the receipt."""
    tx = client.call(wallet, method, **args)
    client.chain.produce_block()
    receipt = client.chain.receipt(tx.txid)
    assert receipt.success, receipt.error
    return receipt


def refused(client, wallet, method, error, match, **args):
    """The call is refused with exactly `error` before anything is sent, and nothing changes;
    returns the error."""
    chain = client.chain
    before = (chain.state.root(), len(chain.mempool), client.storage())
    with pytest.raises(error, match=match) as caught:
        client.call(wallet, method, **args)
    assert type(caught.value) is error
    assert (chain.state.root(), len(chain.mempool), client.storage()) == before
    return caught.value
