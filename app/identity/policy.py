"""The real-name policy: can this text sign a post as a person's name?

`check_name` normalises the text, then runs the checks below in this order; the first that fails
gives the code. A code always has the same verdict: `ok` accepts, the three `*_common` codes ask
an owner or a manager to confirm the name (review), every other code refuses.

Normalisation (`normalise_name`): NFC; full-width and half-width forms folded to their ordinary
letters (U+3000 and U+FF01–U+FFEE only: styled letters are refused, never folded); runs of
whitespace collapsed to one space; ends stripped; case never changed. The checks read only the
normalised text, so canonically equivalent inputs (NFC, NFD, anything between) get one answer.

==========================  ==================================================================
code                        refused or reviewed when the name…
==========================  ==================================================================
empty                       is empty after normalisation
too_long                    is longer than MAX_LENGTH characters
unsupported_characters      holds control, private-use, unassigned or surrogate code points
invisible_characters        holds format characters (zero-width space, soft hyphen, word joiner,
                            BOM, bidi controls such as U+202E, tags), fillers (U+3164, U+2800…),
                            or a ZWJ/ZWNJ anywhere but between two letters of one script that
                            needs joiners (Arabic, Syriac, the Indic scripts, Sinhala): Persian
                            and Hindi names use them, a Latin name never does
email, url                  is or contains an e-mail or web address
organisation_name           is the organisation's name (or a client's: client_name), contains
client_name                 the whole of a multi-word one, or holds a company legal form (SARL,
                            GmbH, Ltd…); see "Organisation and client names" below
placeholder                 contains an example name (John Doe, Max Mustermann, Fulano de Tal,
                            Gipsz Jakab, Nguyễn Văn A, 김아무개: data/placeholders.tsv, by country)
role_word                   contains a role, team or service word or phrase (admin, équipe,
                            service client, Redaktion, админ, 小编, 中の人, แอดมิน:
                            data/role_words.tsv, by language)
generic_word                contains a stand-in word (test, user, anonyme, lorem ipsum, N/A)
promotional                 contains a promotional or suggestive word (Promo, Soldes, Sexy, 特价),
                            or starts with one that is a family name elsewhere (Sale, Free:
                            "Giovanni Sale" signs): data/promotional.tsv
descriptive                 describes a person instead of naming one: a kinship or fan phrase
                            (the mother of …, Maman de Léa, Jack's Dad, fan de …, Elif'in
                            annesi, 지우엄마): data/descriptive.tsv. Arabic kunyas (Abu …,
                            Umm Kulthum) are names and are not listed
styled_letters              uses mathematical, circled, squared, superscript, small-capital or
                            presentation-form letters, or strike-through/zalgo combining marks
at_sign, digits (any        contain "@", a digit of any script, "_", a symbol or emoji (or
script), underscore,        stray punctuation), quotation marks (apostrophes between letters are
symbols, quotes, comma      part of names), a comma
title                       starts with a title (Dr, Mme, M., Me, Herr, Sra, Dott.ssa…) or ends
                            with an East Asian honorific (さん, 先生, 님)
degree                      ends with a degree (PhD, MBA, MSc, Esq, MD…)
dot_joined                  glues words with a full stop ("cl.consult"); "J.R.R." is initials
mixed_scripts               mixes scripts, apart from Japanese (Han + kana) and Korean (Han +
                            Hangul): "Аline" with a Cyrillic А is refused
repeated_letters            has one letter three times in a row ("Aliiiine")
family_initial              ends with a family name cut down to one letter ("Denis G.", "Denis
                            G"; a middle initial is fine, and so is the X of Malcolm X)
initials_only               has only initials ("A. L.")
camel_joined                glues words with an internal capital ("AlineLamour")
all_capitals, all_lowercase is wholly in capitals or in lower case (scripts with case only); a
                            family name in capitals next to a given name in ordinary case is
                            how French usage writes it and passes as written (Denis GENTILE,
                            GENTILE Denis, Jean de LA FONTAINE)
unusual_capitalisation      has capitals elsewhere than at the start of each part ("aLiNe")
placeholder_common          (review) is a common real name used as an example (Jean Dupont,
                            Jan Nowak, Ahmet Yılmaz, 김영희)
role_word_common            (review) contains a role or stand-in word that is also a family or
generic_word_common         given name, not after a given name (Acme Bot, Toto Wolff)
ok                          passes every check
==========================  ==================================================================

Deny lists are matched on whole words after folding (NFKD, combining marks stripped, look-alike
Greek/Cyrillic letters mapped to Latin, casefold), so accents, capitals and homoglyphs do not
hide a word. Names that also belong to people are handled in three tiers: a strong word refuses
wherever it stands; a weak word (Bot, Service, Guest, Sales, Null…) refuses only when every word
of the name is vocabulary (weak words, particles, the organisation's or clients' words: "Bot",
"Le Service"), is accepted right after a particle or a given name, where it reads as a family name
("Yann Le Bot", "Francisco de Sales", "Robert Service", "Christopher Guest"), and otherwise goes to
review ("Acme Bot"); a common name used as an example (Jean Dupont) goes to review when it is the
whole name. Given names are those of `name_lists.given_names()` (Faker's 86 locales and the US
census names zxcvbn ships). In scripts written without spaces (Chinese, Japanese, Korean, Thai)
a role, stand-in, example or promotional entry is also found inside a word (王小编, 김관리자), and a
descriptive one at its end (たろうのママ). Descriptive phrases are matched with their accents ("mãe
do" is "mother of"; "Mae de Guzman" is a name).

Organisation and client names: a name is refused when it equals one (ignoring case, accents and
separators: "cl-consult" is "CL Consult"; legal forms are ignored on both sides) or contains the
whole of a multi-word one ("L'équipe CL Consult"). A one-word client is refused only as the whole
name, so a client called "Martin" does not block Guy Martin.

Case rules apply only to Latin, Greek, Cyrillic and Armenian letters (Georgian and Cherokee have
case in Unicode but not in how names are written). Accepted inside a capitalised name: particles
in lower case (de, van der, bin, dos, i, wa…), elided particles (d'Aubigné, al-Hakim), internal
capitals after a known start (MacLeod, DiCaprio, LaToya, DeShawn), Irish and Zulu lower-case
prefixes (Ó hUiginn, Mac an tSaoi, Cetshwayo kaMpande), the Dutch IJ (IJzerman), lower-case parts
after a hyphen or apostrophe (Jung-hee, Ngũgĩ wa Thiong'o), single-letter parts (U Thant),
generation suffixes as the last word (Jr., Sr., fils, II, III), Dutch particles that begin with an
apostrophe ('t, 's: Gerard 't Hooft, Sophie in 't Veld). "Sr" is a title as the first word
(Señor) and a suffix as the last (Senior). "M." is read as Monsieur, so "M. Night Shyamalan" needs
the way out that the refusal message gives.

The vocabulary lives in `name_lists`, the reading of characters, scripts and case in
`name_shape`, the English and French messages in `name_messages`.
"""

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.identity import name_lists as lists
from app.identity.name_messages import MESSAGES, confirmable, message_for
from app.identity.name_shape import CANDIDATES, character_problem, fold, script, shape_problem

MAX_LENGTH = 100


class Verdict(StrEnum):
    ACCEPT = "accept"
    REVIEW = "review"
    REFUSE = "refuse"


CODES = frozenset(MESSAGES)
REVIEW_CODES = frozenset({"placeholder_common", "role_word_common", "generic_word_common"})


@dataclass(frozen=True)
class NameCheck:
    verdict: Verdict
    code: str
    normalised: str
    suggestion: str | None

    @property
    def confirmable(self) -> bool:
        """A refusal an owner or a manager may override, or a review they may confirm."""
        return self.verdict != Verdict.ACCEPT and confirmable(self.code)

    def message(self, locale: str, *, to_confirmer: bool = False) -> str:
        """The explanation in French for any "fr" locale ("fr", "fr-CA"), in English otherwise;
        `to_confirmer` says it to the owner or manager asked to confirm the name."""
        return message_for(self.code, locale, self.suggestion, to_confirmer=to_confirmer)


def normalise_name(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw)
    text = _WIDTH_FORMS.sub(lambda match: unicodedata.normalize("NFKC", match.group()), text)
    # Folding can put a letter next to a mark it composes with: Ｅ + U+0301 becomes É.
    text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def check_name(
    raw: str, *, organisation_names: Iterable[str] = (), client_names: Iterable[str] = ()
) -> NameCheck:
    name = normalise_name(raw)
    others = _Others.build(organisation_names, client_names)
    code = _evaluate(name, others)
    return NameCheck(_verdict(code), code, name, _suggest(code, name, others))


def _verdict(code: str) -> Verdict:
    if code == "ok":
        return Verdict.ACCEPT
    return Verdict.REVIEW if code in REVIEW_CODES else Verdict.REFUSE


_WIDTH_FORMS = re.compile("[\u3000\uff01-\uffee]")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]{2,}")
_URL = re.compile(
    r"(?i)[a-z][a-z0-9+.-]*://|\bwww\.|[^\s@/]\.(?:app|be|biz|blog|ca|ch|co|com|de|dev|es|eu|"
    r"fr|info|io|it|me|net|nl|online|org|pt|shop|site|tv|uk|xyz)\b"
)


def _tokens(text: str, *, marks: bool = False) -> tuple[str, ...]:
    """The words of a folded text: runs of letters and the marks that go with them (the vowel
    signs of Devanagari, Thai or Tamil are marks, and a word does not end at them)."""
    words, word = [], ""
    for ch in fold(text, marks=marks):
        if unicodedata.category(ch)[0] in "LM":
            word += ch
        elif word:
            words.append(word)
            word = ""
    return tuple([*words, word] if word else words)


def _contains(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tokens[i : i + size] == phrase for i in range(len(tokens) - size + 1))


def _phrases(entries: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(tokens for tokens in map(_tokens, entries) if tokens)


def _by_first_word(entries: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in _phrases(entries):
        index.setdefault(phrase[0], []).append(phrase)
    return index


# Scripts written without spaces between words: a list entry in one of them is also found inside
# a longer word (王小编, 김관리자, แอดมินเพจ).
_UNSPACED_SCRIPTS = frozenset("HAN HIRAGANA KATAKANA HANGUL THAI LAO KHMER".split())


def _unspaced(word: str) -> bool:
    return any(script(ch) in _UNSPACED_SCRIPTS for ch in word)


_STRONG_LISTS = (
    ("organisation_name", lists.LEGAL_FORMS),
    ("placeholder", lists.PLACEHOLDERS_HARD),
    ("role_word", lists.ROLE_STRONG),
    ("generic_word", lists.GENERIC_STRONG),
    ("promotional", lists.PROMOTIONAL_ANYWHERE),
)
_STRONG = tuple((code, _by_first_word(entries)) for code, entries in _STRONG_LISTS)
_STRONG_INSIDE = tuple(
    (code, entry)
    for code, entries in _STRONG_LISTS
    for (entry,) in (phrase for phrase in _phrases(entries) if len(phrase) == 1)
    if _unspaced(entry)
)
_DESCRIPTIVE = tuple(_tokens(entry, marks=True) for entry in lists.DESCRIPTIVE)
_DESCRIPTIVE_ENDINGS = tuple(phrase[0] for phrase in _DESCRIPTIVE if _unspaced(phrase[0]))
_DESCRIPTIVE_LINKS = frozenset(lists.DESCRIPTIVE_LINKS)
_PROMOTIONAL_GIVEN = frozenset(fold(word) for word in lists.PROMOTIONAL_GIVEN)
_WEAK = {fold(word): "role_word" for word in lists.ROLE_WEAK} | {
    fold(word): "generic_word" for word in lists.GENERIC_WEAK
}
_WHOLE_GENERIC = frozenset(_phrases(lists.GENERIC_WHOLE))
_SOFT_PLACEHOLDERS = frozenset("".join(tokens) for tokens in _phrases(lists.PLACEHOLDERS_SOFT))
_PARTICLE_TOKENS = frozenset(fold(word) for word in lists.PARTICLES)
_LEGAL_TOKENS = frozenset(fold(word) for word in lists.LEGAL_FORMS)


@functools.cache
def _given_names() -> frozenset[str]:
    return frozenset(tokens[0] for tokens in map(_tokens, lists.given_names()) if len(tokens) == 1)


@dataclass(frozen=True)
class _Others:
    """The organisation's and its clients' names, folded into words."""

    names: tuple[tuple[tuple[str, ...], str], ...]
    tokens: frozenset[str]

    @classmethod
    def build(cls, organisation_names: Iterable[str], client_names: Iterable[str]) -> "_Others":
        names = []
        for code, raw_names in (
            ("organisation_name", organisation_names),
            ("client_name", client_names),
        ):
            for raw in raw_names:
                tokens = _tokens(raw)
                # "CL Consult SARL" signs as "CL Consult" just as well.
                names.append((tuple(t for t in tokens if t not in _LEGAL_TOKENS) or tokens, code))
        kept = tuple((tokens, code) for tokens, code in names if tokens)
        return cls(kept, frozenset(token for tokens, _ in kept for token in tokens))

    def match(self, tokens: tuple[str, ...]) -> str | None:
        for name, code in self.names:
            # Joined, so that "ClConsult" and "cl-consult" are "CL Consult"; a one-word name
            # only as the whole name, so that a client called Martin leaves Guy Martin alone.
            if "".join(tokens) == "".join(name) or (len(name) > 1 and _contains(tokens, name)):
                return code
        return None


def _evaluate(name: str, others: _Others) -> str:
    if not name:
        return "empty"
    if len(name) > MAX_LENGTH:
        return "too_long"
    character_code = character_problem(name)
    if character_code in ("unsupported_characters", "invisible_characters"):
        return character_code
    if _EMAIL.search(name):
        return "email"
    if _URL.search(name):
        return "url"
    # Deny lists come before the shape rules: "ADMIN" is a role, not a name to recapitalise.
    tokens = _tokens(name)
    denied = others.match(tokens) or _deny_problem(tokens, others) or _describes(name)
    return denied or character_code or shape_problem(name.split(" ")) or _review_problem(tokens)


def _deny_problem(tokens: tuple[str, ...], others: _Others) -> str | None:
    for code, index in _STRONG:
        for i, token in enumerate(tokens):
            if any(tokens[i : i + len(phrase)] == phrase for phrase in index.get(token, ())):
                return code
    for code, entry in _STRONG_INSIDE:
        if any(entry in token for token in tokens if _unspaced(token)):
            return code
    if tokens and tokens[0] in _PROMOTIONAL_GIVEN:
        return "promotional"
    if tokens in _WHOLE_GENERIC:
        return "generic_word"
    weak = [_WEAK[token] for token in tokens if token in _WEAK]
    neutral = _PARTICLE_TOKENS | _WEAK.keys() | others.tokens
    if weak and all(token in neutral for token in tokens):
        return weak[0]
    return None


def _describes(name: str) -> str | None:
    """A phrase that describes a person instead of naming one: the mother of …, Léa's dad."""
    tokens = _tokens(name, marks=True)
    for phrase in _DESCRIPTIVE:
        size = len(phrase)
        linked = phrase[-1] in _DESCRIPTIVE_LINKS  # "fan de" must be followed by a word
        for i in range(len(tokens) - size + 1 - linked):
            if tokens[i : i + size] == phrase:
                return "descriptive"
    if any(token.endswith(_DESCRIPTIVE_ENDINGS) for token in tokens if _unspaced(token)):
        return "descriptive"
    return None


def _review_problem(tokens: tuple[str, ...]) -> str:
    if "".join(tokens) in _SOFT_PLACEHOLDERS:
        return "placeholder_common"
    for i, token in enumerate(tokens):
        # After a particle or a given name a weak word is a family name: Yann Le Bot, Francisco
        # de Sales, Robert Service.
        after = tokens[i - 1] if i else None
        if token in _WEAK and not (after in _PARTICLE_TOKENS or after in _given_names()):
            return _WEAK[token] + "_common"
    return "ok"


def _suggest(code: str, name: str, others: _Others) -> str | None:
    """A corrected name, offered only when the correction itself would not be refused."""
    candidate = CANDIDATES[code](name) if code in CANDIDATES else None
    candidate = normalise_name(candidate) if candidate else None
    if not candidate or candidate == name:
        return None
    return candidate if _verdict(_evaluate(candidate, others)) != Verdict.REFUSE else None
