"""A chain is a file: SQLite persistence for `Blockchain` (DESIGN.md section 7).

    chain = open_chain("shop.chain", ProofOfAuthority(validators=...), ChainParams(...),
                            producers=validators, runtime=ContractRuntime())   # creates the file
    chain.produce_block()                                                      # one commit
    chain.close()
    chain = open_chain("shop.chain", producers=validators)                # the next day

The file is an SQLite database (https://www.sqlite.org/fileformat2.html) that any SQLite tool
can read. It keeps every block the node accepted, side branches included, with the state diff
each block made (key, before, after: the undo data a reorganisation needs) and the receipt of
every transaction, and it records what makes the chain this chain: parameters, consensus engine
and contract runtime. Wallets are never stored: a chain file can be handed to a whole class.

One block is one database transaction. SQLite's commit is atomic ("Atomic Commit In SQLite",
https://www.sqlite.org/atomiccommit.html): the block's row, its transactions' rows and the new
tip are all on disk or none are, whenever the process is killed or the power fails. The file is
kept in write-ahead-log mode (https://www.sqlite.org/wal.html): a commit appends to the log and
never rewrites the database in place, and readers (`minichain explore`) see the last committed
block while a writer works. `synchronous=FULL` makes SQLite sync the log at every commit, so a
block reported as added survives a power cut too, not only a killed process (with NORMAL, WAL
mode stays consistent but may lose the last blocks on power loss; PRAGMA synchronous,
https://www.sqlite.org/pragma.html#pragma_synchronous). A block costs one sync — small next to
the signatures it carries (see bench/bench_store.py).

Each block reaches the file before the node moves on to it (the chain hands it to
`ChainFile.block_accepted` first), so the file is never behind what the node showed; if the
write fails, the node stays where it was. Reopening does not verify signatures again: the blocks,
diffs and receipts are read back, their links and receipts roots checked, and every stored diff
replayed from genesis along every branch, side branches included (a side branch's diffs are what
a later reorganisation would commit): each must start from the state before its block, each
side-branch block and the tip must end at the state root in its header. `verify_chain_file`
checks every block's Merkle, state and receipts roots and reward, and with `full=True`
re-executes every block, side branches included, and compares the results with what is stored.

Files are never unpickled or executed: blocks use the chain's canonical encoding, diffs a small
binary encoding of their own, receipts and the chain description canonical JSON. Anything else
found in a file is refused with a `ChainFileError` that names the file and says what is wrong.
Transactions still waiting in the mempool are not kept: send them again after reopening.
"""


from minichain.store.codecs import decode_diff, describe_chain, encode_diff
from minichain.store.errors import (
    ChainFileChanged,
    ChainFileError,
    ChainFileLocked,
    ChainFileNotFound,
    ChainFileNotReadable,
    ChainFileNotWritable,
    ChainMismatch,
    CorruptChainFile,
    InvalidStoredBlock,
    NewerSchema,
    NotAChainFile,
    OlderSchema,
    UnknownRuntime,
)
from minichain.store.file import ChainFile
from minichain.store.format import APPLICATION_ID, SCHEMA_VERSION
from minichain.store.opening import open_chain, persist
from minichain.store.replay import check_structure, stored_blocks
from minichain.store.verifying import verify_chain_file

__all__ = [
    "APPLICATION_ID",
    "SCHEMA_VERSION",
    "ChainFile",
    "ChainFileChanged",
    "ChainFileError",
    "ChainFileLocked",
    "ChainFileNotFound",
    "ChainFileNotReadable",
    "ChainFileNotWritable",
    "ChainMismatch",
    "CorruptChainFile",
    "InvalidStoredBlock",
    "NewerSchema",
    "NotAChainFile",
    "UnknownRuntime",
    "OlderSchema",
    "check_structure",
    "decode_diff",
    "describe_chain",
    "encode_diff",
    "open_chain",
    "persist",
    "stored_blocks",
    "verify_chain_file",
]
