"""Passwords: hashing with argon2id, and what a new password must be.

The rules follow NIST SP 800-63B: a length (counted in Unicode characters after NFKC
normalisation, the form that is also hashed, so that the same password typed on two keyboards is
the same password), a block list, and no composition rules ("one digit, one capital"), which NIST
advises against. The block list is zxcvbn's (Dropbox's estimator): 30,000 passwords most common in
leaked sets, 30,000 English words, first names and surnames, and its matchers for repeats,
sequences, keyboard rows and dates. zxcvbn estimates how many guesses a password takes; one an
attacker would find within `_GUESSES` tries is refused, naming the common password or the pattern
it is made of.
"""

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 256
_GUESSES = 10**8
"""zxcvbn's "somewhat guessable" line: below it, a password falls to a throttled online attack."""
_ANALYSED = 64
"""zxcvbn's matching grows with the square of the length (~50 ms at 64 characters, seconds at
256); a longer password is long enough that only a repeated block makes it weak."""
_CONTEXT_WORD = 4
"""Shorter parts of a name or address ("Guy", "Léa") are left out: they are inside too many
good passwords."""
_SERVICE_WORDS = ("byline",)
_TRIVIAL = frozenset({"repeat", "sequence", "spatial"})

_hasher = PasswordHasher()


class PasswordRefused(ValueError):
    """A new password the rules refuse: `code` says why, `params` fill its message."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def check_new_password(
    password: str, *, email: str | None = None, names: Iterable[str | None] = ()
) -> None:
    """Refuse, with PasswordRefused, a password that is too short or too long, contains a word of
    the account's e-mail address or `names` (or "byline"), is made only of repeated characters,
    sequences or keyboard rows, or is (close to) a common password or word."""
    text = normalise(password)
    if len(text) < MIN_LENGTH:
        raise PasswordRefused("password_too_short", minimum=MIN_LENGTH, length=len(text))
    if len(text) > MAX_LENGTH:
        raise PasswordRefused("password_too_long", maximum=MAX_LENGTH, length=len(text))
    folded = _fold(text)
    for word in _context_words(email, names):
        if word in folded:
            raise PasswordRefused("password_contains_name", word=word)
    if len(text) > _ANALYSED:
        if re.fullmatch(r"(.+?)\1+", folded, flags=re.DOTALL):
            raise PasswordRefused("password_repetitive")
        return
    _check_guessable(text)


def _check_guessable(text: str) -> None:
    # Imported here: its word lists take ~12 MB and 35 ms to load, which processes that never
    # set a password (workers, most CLI commands) need not pay.
    from zxcvbn import matching, scoring

    trivial = [
        *matching.repeat_match(text),
        *matching.sequence_match(text),
        *matching.spatial_match(text),
    ]
    if all(
        match["pattern"] in _TRIVIAL
        for match in scoring.most_guessable_match_sequence(text, trivial)["sequence"]
    ):
        raise PasswordRefused("password_repetitive")
    estimate = scoring.most_guessable_match_sequence(text, matching.omnimatch(text))
    if estimate["guesses"] < _GUESSES:
        common = any(match["pattern"] == "dictionary" for match in estimate["sequence"])
        raise PasswordRefused("password_too_common" if common else "password_repetitive")


def _fold(text: str) -> str:
    """Lower case without accents: "Hélène" and "HELENE" are the same word here."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _context_words(email: str | None, names: Iterable[str | None]) -> list[str]:
    words = list(_SERVICE_WORDS)
    sources = [name for name in names if name]
    if email:
        local = email.rpartition("@")[0] or email
        sources.append(local)
        words.append(_fold(local))  # "jean-luc", which "luc" alone would not catch
    for source in sources:
        words.extend(re.findall(r"[^\W_]+", _fold(source)))
    return sorted({word for word in words if len(word) >= _CONTEXT_WORD}, key=len, reverse=True)


def hash_password(password: str) -> str:
    return _hasher.hash(normalise(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend comparable time so a missing account is not told apart by timing.
        _hasher.hash(password)
        return False
    if _verify(password_hash, normalise(password)):
        return True
    # Hashes written before passwords were normalised hold the password as it was typed.
    return password != normalise(password) and _verify(password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
