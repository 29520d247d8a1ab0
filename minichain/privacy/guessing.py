"""Why salts matter: reversing an unsalted hash of a phone number by trying every number.

A hash cannot be "decrypted", but when the input comes from a small, known space it can be
found by enumeration: hash every candidate and compare. Phone numbers are such a space: the
country code and mobile prefix are public, so an 11-digit Chinese mobile number has at most
10^8 candidates per three-digit prefix, and a known area or number block leaves far fewer. The
EDPB (Guidelines 02/2025) and the EU Blockchain Observatory and Forum (2018, "Blockchain and
the GDPR") give exactly this reason why a hash of personal data on a
chain is still personal data. A salted commitment (`minichain.privacy.commitment`) defeats the
attack: without the 128-bit salt, the same enumeration never matches.
"""

from __future__ import annotations

from dataclasses import dataclass

from minichain.language import say
from minichain.privacy.commitment import unsalted_hash

__all__ = ["GuessingResult", "guess_phone_number"]


@dataclass(frozen=True)
class GuessingResult:
    """The outcome of trying every number in a space."""

    found: str | None  # the number whose hash matched, or None
    guesses: int  # hashes computed
    space: int  # numbers in the space searched

    def __str__(self) -> str:
        if self.found is None:
            return say("not found after {guesses:,} guesses: no number in the space of {space:,} "
                       "has this hash.", guesses=self.guesses, space=self.space)
        return say("found {number} after {guesses:,} guesses (out of {space:,} possible "
                   "numbers).", number=self.found, guesses=self.guesses, space=self.space)


def guess_phone_number(digest: bytes, *, prefix: str, unknown_digits: int,
                       suffix: str = "") -> GuessingResult:
    """Try `prefix` + every `unknown_digits`-digit string (+ `suffix`) until one's unsalted
    SHA-256 is `digest`. Five or six unknown digits take well under a few seconds."""
    if not 1 <= unknown_digits <= 8:
        raise ValueError(say("unknown_digits must be between 1 and 8 (10^8 guesses at most)"))
    space = 10 ** unknown_digits
    for guess in range(space):
        number = f"{prefix}{guess:0{unknown_digits}d}{suffix}"
        if unsalted_hash(number) == digest:
            return GuessingResult(number, guess + 1, space)
    return GuessingResult(None, space, space)
