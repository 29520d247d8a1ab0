"""EIP-225 (Clique proof-of-authority) signer-voting scenario table, ported to Python data.

Source (authoritative for this port):
    go-ethereum, consensus/clique/snapshot_test.go, func TestClique, ``tests := []cliqueTest{...}``
    https://github.com/ethereum/go-ethereum/blob/021dcb8f1ef1e489ab4bc64394f08f0c9cdfe453/consensus/clique/snapshot_test.go
    (commit 021dcb8f1ef1e489ab4bc64394f08f0c9cdfe453; 24 cases)

Cross-checked against:
    EIP-225 "Test Cases" section, ethereum/EIPs EIPS/eip-225.md
    https://github.com/ethereum/EIPs/blob/070500f08e2a722a7710ff0ca0800386d04bb0bb/EIPS/eip-225.md
    The EIP lists the same cases except the last one (the ``newbatch`` case, added to geth
    after go-ethereum issue #17593), i.e. 23 cases, and its struct has no ``newbatch`` field.

Notes on differences between versions of the source:
    * Older geth revisions (e.g. 6f38dbc30274bbb64af8ddf1b4bbd12b97661a2d) had a copy-paste bug:
      the "(auth votes)" case duplicated the "(deauth votes)" votes. This port uses the fixed
      version (C votes to add D, ...), which matches the EIP text.
    * Comment typos fixed in newer geth ("recenty" -> "recently", "readded" -> "re-added") are
      taken from the newer revision.

Field conventions (mapping from Go zero values):
    epoch      -- Go leaves it 0 when unset; clique.New() then substitutes epochLength = 30000.
    voted      -- Go "" (zero address coinbase) -> None.
    auth       -- True => nonce 0xffffffffffffffff (NONCE_AUTH); False => nonce 0x00..00 (NONCE_DROP).
                  A vote with voted=None and auth=False is a plain "no vote" block
                  (coinbase = zero address, nonce = 0; harmless drop-vote on the zero address).
    checkpoint -- Go nil -> None; otherwise the signer list written into extra-data (sorted by address).
    newbatch   -- start a new InsertChain batch at this block.
    results    -- expected final signer set (order irrelevant; geth compares address-sorted lists).
                  Empty list for failure cases (Go leaves results nil; they are not checked).
    failure    -- None or the Go error variable name expected from importing the LAST batch.
"""


SCENARIOS: list[dict] = [
    {
        # case 0
        "name": 'Single signer, no votes cast',
        "epoch": 30000,
        "signers": ['A'],
        "votes": [
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A'],
        "failure": None,
    },
    {
        # case 1
        "name": 'Single signer, voting to add two others (only accept first, second needs 2 votes)',
        "epoch": 30000,
        "signers": ['A'],
        "votes": [
            {"signer": 'A', "voted": 'B', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'C', "auth": True, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B'],
        "failure": None,
    },
    {
        # case 2
        "name": 'Two signers, voting to add three others (only accept first two, third needs 3 votes already)',
        "epoch": 30000,
        "signers": ['A', 'B'],
        "votes": [
            {"signer": 'A', "voted": 'C', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'C', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'D', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'D', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'E', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'E', "auth": True, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B', 'C', 'D'],
        "failure": None,
    },
    {
        # case 3
        "name": 'Single signer, dropping itself (weird, but one less cornercase by explicitly allowing this)',
        "epoch": 30000,
        "signers": ['A'],
        "votes": [
            {"signer": 'A', "voted": 'A', "auth": False, "checkpoint": None, "newbatch": False},
        ],
        "results": [],
        "failure": None,
    },
    {
        # case 4
        "name": 'Two signers, actually needing mutual consent to drop either of them (not fulfilled)',
        "epoch": 30000,
        "signers": ['A', 'B'],
        "votes": [
            {"signer": 'A', "voted": 'B', "auth": False, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B'],
        "failure": None,
    },
    {
        # case 5
        "name": 'Two signers, actually needing mutual consent to drop either of them (fulfilled)',
        "epoch": 30000,
        "signers": ['A', 'B'],
        "votes": [
            {"signer": 'A', "voted": 'B', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'B', "auth": False, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A'],
        "failure": None,
    },
    {
        # case 6
        "name": 'Three signers, two of them deciding to drop the third',
        "epoch": 30000,
        "signers": ['A', 'B', 'C'],
        "votes": [
            {"signer": 'A', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B'],
        "failure": None,
    },
    {
        # case 7
        "name": 'Four signers, consensus of two not being enough to drop anyone',
        "epoch": 30000,
        "signers": ['A', 'B', 'C', 'D'],
        "votes": [
            {"signer": 'A', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B', 'C', 'D'],
        "failure": None,
    },
    {
        # case 8
        "name": 'Four signers, consensus of three already being enough to drop someone',
        "epoch": 30000,
        "signers": ['A', 'B', 'C', 'D'],
        "votes": [
            {"signer": 'A', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B', 'C'],
        "failure": None,
    },
    {
        # case 9
        "name": 'Authorizations are counted once per signer per target',
        "epoch": 30000,
        "signers": ['A', 'B'],
        "votes": [
            {"signer": 'A', "voted": 'C', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'C', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'C', "auth": True, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B'],
        "failure": None,
    },
    {
        # case 10
        "name": 'Authorizing multiple accounts concurrently is permitted',
        "epoch": 30000,
        "signers": ['A', 'B'],
        "votes": [
            {"signer": 'A', "voted": 'C', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'D', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'D', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'C', "auth": True, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B', 'C', 'D'],
        "failure": None,
    },
    {
        # case 11
        "name": 'Deauthorizations are counted once per signer per target',
        "epoch": 30000,
        "signers": ['A', 'B'],
        "votes": [
            {"signer": 'A', "voted": 'B', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'B', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'B', "auth": False, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B'],
        "failure": None,
    },
    {
        # case 12
        "name": 'Deauthorizing multiple accounts concurrently is permitted',
        "epoch": 30000,
        "signers": ['A', 'B', 'C', 'D'],
        "votes": [
            {"signer": 'A', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B'],
        "failure": None,
    },
    {
        # case 13
        "name": 'Votes from deauthorized signers are discarded immediately (deauth votes)',
        "epoch": 30000,
        "signers": ['A', 'B', 'C'],
        "votes": [
            {"signer": 'C', "voted": 'B', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'B', "auth": False, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B'],
        "failure": None,
    },
    {
        # case 14
        "name": 'Votes from deauthorized signers are discarded immediately (auth votes)',
        "epoch": 30000,
        "signers": ['A', 'B', 'C'],
        "votes": [
            {"signer": 'C', "voted": 'D', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'D', "auth": True, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B'],
        "failure": None,
    },
    {
        # case 15
        "name": 'Cascading changes are not allowed, only the account being voted on may change',
        "epoch": 30000,
        "signers": ['A', 'B', 'C', 'D'],
        "votes": [
            {"signer": 'A', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B', 'C'],
        "failure": None,
    },
    {
        # case 16
        "name": 'Changes reaching consensus out of bounds (via a deauth) execute on touch',
        "epoch": 30000,
        "signers": ['A', 'B', 'C', 'D'],
        "votes": [
            {"signer": 'A', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": 'C', "auth": True, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B'],
        "failure": None,
    },
    {
        # case 17
        "name": 'Changes reaching consensus out of bounds (via a deauth) may go out of consensus on first touch',
        "epoch": 30000,
        "signers": ['A', 'B', 'C', 'D'],
        "votes": [
            {"signer": 'A', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'C', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": 'D', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'C', "auth": True, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B', 'C'],
        "failure": None,
    },
    {
        # case 18
        "name": "Ensure that pending votes don't survive authorization status changes. This corner case can only appear if a signer is quickly added, removed and then re-added (or the inverse), while one of the original voters dropped. If a past vote is left cached in the system somewhere, this will interfere with the final signer outcome.",
        "epoch": 30000,
        "signers": ['A', 'B', 'C', 'D', 'E'],
        "votes": [
            {"signer": 'A', "voted": 'F', "auth": True, "checkpoint": None, "newbatch": False},  # Authorize F, 3 votes needed
            {"signer": 'B', "voted": 'F', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": 'F', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'D', "voted": 'F', "auth": False, "checkpoint": None, "newbatch": False},  # Deauthorize F, 4 votes needed (leave A's previous vote "unchanged")
            {"signer": 'E', "voted": 'F', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'F', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'C', "voted": 'F', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'D', "voted": 'F', "auth": True, "checkpoint": None, "newbatch": False},  # Almost authorize F, 2/3 votes needed
            {"signer": 'E', "voted": 'F', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'A', "auth": False, "checkpoint": None, "newbatch": False},  # Deauthorize A, 3 votes needed
            {"signer": 'C', "voted": 'A', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'D', "voted": 'A', "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": 'F', "auth": True, "checkpoint": None, "newbatch": False},  # Finish authorizing F, 3/3 votes needed
        ],
        "results": ['B', 'C', 'D', 'E', 'F'],
        "failure": None,
    },
    {
        # case 19
        "name": 'Epoch transitions reset all votes to allow chain checkpointing',
        "epoch": 3,
        "signers": ['A', 'B'],
        "votes": [
            {"signer": 'A', "voted": 'C', "auth": True, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": ['A', 'B'], "newbatch": False},
            {"signer": 'B', "voted": 'C', "auth": True, "checkpoint": None, "newbatch": False},
        ],
        "results": ['A', 'B'],
        "failure": None,
    },
    {
        # case 20
        "name": 'An unauthorized signer should not be able to sign blocks',
        "epoch": 30000,
        "signers": ['A'],
        "votes": [
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
        ],
        "results": [],
        "failure": 'errUnauthorizedSigner',
    },
    {
        # case 21
        "name": 'An authorized signer that signed recently should not be able to sign again',
        "epoch": 30000,
        "signers": ['A', 'B'],
        "votes": [
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
        ],
        "results": [],
        "failure": 'errRecentlySigned',
    },
    {
        # case 22
        "name": 'Recent signatures should not reset on checkpoint blocks imported in a batch',
        "epoch": 3,
        "signers": ['A', 'B', 'C'],
        "votes": [
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": ['A', 'B', 'C'], "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
        ],
        "results": [],
        "failure": 'errRecentlySigned',
    },
    {
        # case 23
        "name": 'Recent signatures should not reset on checkpoint blocks imported in a new batch (https://github.com/ethereum/go-ethereum/issues/17593). Whilst this seems overly specific and weird, it was a Rinkeby consensus split.',
        "epoch": 3,
        "signers": ['A', 'B', 'C'],
        "votes": [
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'B', "voted": None, "auth": False, "checkpoint": None, "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": ['A', 'B', 'C'], "newbatch": False},
            {"signer": 'A', "voted": None, "auth": False, "checkpoint": None, "newbatch": True},
        ],
        "results": [],
        "failure": 'errRecentlySigned',
    },
]

# Total: 24 cases (geth TestClique at commit 021dcb8f; the EIP-225 text has the first 23).
