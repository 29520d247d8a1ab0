"""Sending contract calls in tests: one that must succeed, one that must be refused; and
running a check from deep in the stack, as a node deep in a simulation would."""

import sys

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


def at_stack_depth(depth: int, action):
    """Run `action()` with `depth` Python frames already on the stack (or as deep as it is)."""
    frames, frame = 0, sys._getframe()
    while frame is not None:
        frames, frame = frames + 1, frame.f_back

    def down(left: int):
        return action() if left <= 0 else down(left - 1)

    return down(depth - frames)
