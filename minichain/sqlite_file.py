"""What every minichain SQLite file (a chain file, a personal-data vault) checks the same way.

An SQLite database starts with a 100-byte header ("The Database File Format",
https://www.sqlite.org/fileformat2.html#the_database_header): the magic string at offset 0,
`PRAGMA user_version` (the file's format) at offset 60 and `PRAGMA application_id` (which
program's file it is) at offset 68. Reading it before SQLite opens the file lets a program
refuse what is plainly not its file without writing anything to it. `PRAGMA quick_check`
(https://www.sqlite.org/pragma.html#pragma_quick_check) finds damaged pages, and SQLite's
extended error names (`sqlite3.Error.sqlite_errorname`, https://www.sqlite.org/rescode.html)
say whether a failure is a lock, a read-only file or a damaged one.

Each caller turns these findings into its own errors (`minichain.store.errors`,
`minichain.privacy.errors`), so this module only finds; it never raises an error of its own.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from minichain.language import say

__all__ = ["MAGIC", "Header", "HeaderProblem", "error_kind", "integrity_problem", "read_header"]

MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class HeaderProblem:
    """Why a file's first bytes rule it out: `damaged` if it is this program's file but broken,
    otherwise it is not this program's file at all."""

    reason: str
    damaged: bool = False


@dataclass(frozen=True)
class Header:
    """The parts of an SQLite header a program checks before opening the file."""

    application_id: int
    user_version: int


def read_header(path: Path, application_id: int) -> Header | HeaderProblem:
    """The header of the file at `path` if it is an SQLite database with `application_id`, or
    the problem with it. OSError (a folder, no permission) is the caller's to report."""
    with open(path, "rb") as f:
        head = f.read(100)
    if not head:
        return HeaderProblem(say("it is empty"))
    if not head.startswith(MAGIC):
        return HeaderProblem(say("it is not an SQLite database"))
    if len(head) < 100:
        return HeaderProblem(say("it ends inside the database header (it was cut short)"),
                             damaged=True)
    if int.from_bytes(head[68:72], "big") != application_id:
        return HeaderProblem(say("it is an SQLite database made by another program"))
    return Header(application_id, int.from_bytes(head[60:64], "big"))


def integrity_problem(db: sqlite3.Connection) -> str | None:
    """The first problem `PRAGMA quick_check` reports, or None if the pages are sound."""
    problems = [row[0] for row in db.execute("PRAGMA quick_check")]
    if problems == ["ok"]:
        return None
    return problems[0].splitlines()[-1] if problems else say("no answer")


def error_kind(error: sqlite3.Error) -> str:
    """What went wrong, from SQLite's extended error name: "locked", "read-only",
    "cannot open", "full", "not a database", "damaged" or "other"."""
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return "locked"
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return "read-only"
    if name.startswith(("SQLITE_PERM", "SQLITE_AUTH", "SQLITE_CANTOPEN")) \
            or "unable to open" in text:
        return "cannot open"
    if name.startswith("SQLITE_FULL"):
        return "full"
    if name.startswith("SQLITE_NOTADB"):
        return "not a database"
    if name.startswith("SQLITE_CORRUPT"):
        return "damaged"
    return "other"
