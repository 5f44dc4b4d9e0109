"""How a name is written: its characters, scripts, titles, full stops and capitals.

These checks read a name already normalised by `app.identity.policy.normalise_name`; the rules,
their order and the codes they return are documented in that module. `fold` and `key` are the
accent- and case-blind forms the deny lists are matched on.
"""

import itertools
import re
import unicodedata
from collections.abc import Callable

from app.identity import name_lists as lists

_LOOK_ALIKES = str.maketrans(lists.CONFUSABLES)
_ROMAN_SUFFIX = re.compile("II|III|IV|V|VI|VII|VIII|IX|X")
_SEPARATORS = re.compile("[-.\u00b7\u2010\u2011'\u2018\u2019\u02bc\u055a]")
_JOINERS = frozenset("\u200c\u200d")
_JOINING_SCRIPTS = frozenset(
    "ARABIC BENGALI DEVANAGARI GUJARATI GURMUKHI KANNADA MALAYALAM ORIYA SINHALA SYRIAC TAMIL "
    "TELUGU".split()
)
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164")
_HYPHENS = frozenset("-\u2010\u2011\u058a\u05be")
_APOSTROPHES = frozenset("'\u2018\u2019\u055a")
_INNER_DOTS = frozenset("\u00b7\u30fb")
_COMMAS = frozenset(",\u060c\u3001\ufe50\ufe51")
_QUOTES = frozenset('"\u201a\u201e\u05f4\u300c\u300d\u300e\u300f\u301d\u301e\u301f')
_STYLED_TAGS = frozenset(
    "<circle> <final> <font> <initial> <isolated> <medial> <small> <square> <sub> <super> "
    "<vertical>".split()
)
_CASED_SCRIPTS = frozenset({"LATIN", "GREEK", "CYRILLIC", "ARMENIAN"})
_CHARACTER_CODES = (
    "unsupported_characters",
    "invisible_characters",
    "styled_letters",
    "at_sign",
    "digits",
    "underscore",
    "symbols",
    "quotes",
    "comma",
)
_MAX_MARKS_PER_LETTER = 4  # Vietnamese, Thai, Tibetan stacks stay below it; zalgo text does not


def fold(text: str, *, look_alikes: bool = True, marks: bool = False) -> str:
    """Case- and accent-blind form; `marks=True` keeps the accents ("mãe" stays apart from "Mae")."""
    if marks:
        folded = unicodedata.normalize("NFKC", text).casefold()
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        folded = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").casefold()
    return folded.translate(_LOOK_ALIKES) if look_alikes else folded


_ONE_APOSTROPHE = str.maketrans(dict.fromkeys("\u2018\u2019\u02bc\u055a", "'"))


def key(word: str) -> str:
    # Without look-alike mapping: "Κα" (Greek for Mrs) must not become "Ka", a Korean surname.
    return fold(word, look_alikes=False).replace(".", "").translate(_ONE_APOSTROPHE)


_TITLES = frozenset(map(key, lists.TITLES))
_DOTTED_TITLES = frozenset(map(key, lists.DOTTED_TITLES))
_DEGREES = frozenset(map(key, lists.DEGREES))
_CAMEL_PREFIXES = frozenset(map(key, lists.CAMEL_PREFIXES))
_CASE_PREFIXES = frozenset(map(key, lists.CASE_PREFIXES))
_PARTICLES = frozenset(map(key, lists.PARTICLES | lists.APOSTROPHE_PARTICLES))
_LOWERCASE_PARTICLES = frozenset(map(key, lists.LOWERCASE_PARTICLES))
_ELIDED_PARTICLES = frozenset(map(key, lists.ELIDED_PARTICLES))
_GENERATION_SUFFIXES = frozenset(map(key, lists.GENERATION_SUFFIXES))
_DOTTED_ABBREVIATIONS = frozenset(map(key, lists.DOTTED_ABBREVIATIONS))
_APOSTROPHE_PARTICLES = frozenset(map(key, lists.APOSTROPHE_PARTICLES))


def script(ch: str) -> str | None:
    """The script of a letter or mark, from its Unicode name; None for shared characters."""
    name = unicodedata.name(ch, "")
    if name.startswith(("CJK ", "IDEOGRAPHIC ")):
        return "HAN"
    if name.startswith("KATAKANA-HIRAGANA"):
        return "KATAKANA"
    if not name or name.startswith(("COMBINING ", "MODIFIER LETTER ", "VARIATION SELECTOR")):
        return None
    return name.split(" ", 1)[0]


def character_problem(name: str) -> str | None:
    found: set[str | None] = set()
    marks = 0
    for i, ch in enumerate(name):
        marks = marks + 1 if unicodedata.category(ch)[0] == "M" else 0
        if marks > _MAX_MARKS_PER_LETTER:
            found.add("styled_letters")
        found.add(_character_code(name, i))
    return next((code for code in _CHARACTER_CODES if code in found), None)


def _character_code(name: str, i: int) -> str | None:
    ch, before, after = name[i], name[i - 1] if i else " ", name[i + 1 : i + 2] or " "
    category = unicodedata.category(ch)
    letter_before = unicodedata.category(before)[0] in "LM"
    letter_after = unicodedata.category(after)[0] == "L"
    emoji_part = "S" in (unicodedata.category(before)[0], unicodedata.category(after)[0])
    if ch in " .":  # full stops are judged once titles and degrees are known
        return None
    if category in ("Cc", "Cs", "Co", "Cn"):
        return "unsupported_characters"
    if ch in _JOINERS:
        if script(before) == script(after) and script(before) in _JOINING_SCRIPTS:
            return None
        return "symbols" if emoji_part else "invisible_characters"
    if unicodedata.name(ch, "").startswith(("VARIATION SELECTOR", "MONGOLIAN FREE VARIATION")):
        # Japanese registries pick the glyph of a family-name ideograph with these selectors.
        if script(before) in ("HAN", "MONGOLIAN"):
            return None
        return "symbols" if emoji_part else "invisible_characters"
    if category == "Cf" or ch in _INVISIBLE:
        return "invisible_characters"
    if _is_styled(ch):
        return "styled_letters"
    if category[0] == "L":
        return None
    if category[0] == "M":
        overlay = category == "Me" or unicodedata.combining(ch) == 1 or "\u20d0" <= ch <= "\u20ff"
        if overlay or ch in "\u0332\u0333":  # strike-through, underline, enclosing marks
            return "styled_letters"
        return None if letter_before else "symbols"
    if category[0] == "N":
        return "digits"
    if ch in "@\ufe6b":
        return "at_sign"
    if category == "Pc":
        return "underscore"
    if ch in _HYPHENS or ch in _INNER_DOTS:
        # "Dipl.-Ing." and "St.-Jean": a hyphen may follow an abbreviation's full stop.
        joined = letter_before or (before == "." and ch in _HYPHENS)
        return None if joined and letter_after else "symbols"
    if ch in _APOSTROPHES:
        return None if (letter_before and letter_after) or _opens_particle(name, i) else "quotes"
    if ch == "\u05f3":  # Hebrew geresh, as in ג׳ורג׳ (George)
        return None if script(before) == "HEBREW" else "quotes"
    if ch in _COMMAS:
        return "comma"
    if category in ("Pi", "Pf") or ch in _QUOTES:
        return "quotes"
    return "symbols"


def _opens_particle(name: str, i: int) -> bool:
    """Whether the apostrophe at i begins a word that is a Dutch particle ('t Hooft, 's-Gravesande)."""
    start = i == 0 or name[i - 1] == " "
    word = "'" + name[i + 1 : i + 2] + ("" if name[i + 2 : i + 3] in ("", " ", "-") else "?")
    return start and key(word) in _APOSTROPHE_PARTICLES


def _is_styled(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    if " LETTER " in f" {name} " and (
        "SMALL CAPITAL" in name or name.startswith(("NEGATIVE ", "PARENTHESIZED "))
    ):
        return True
    tag = unicodedata.decomposition(ch).partition(" ")[0]
    letters = any(c.isalpha() for c in unicodedata.normalize("NFKC", ch))
    # "™" decomposes to letters too, but it is a symbol, not a styled letter.
    return (
        tag in _STYLED_TAGS and letters and (unicodedata.category(ch) != "So" or "LETTER" in name)
    )


def shape_problem(words: list[str]) -> str | None:
    """The first problem with titles, degrees, full stops, scripts, repeats or capitals."""
    for check in (
        _title_problem,
        _degree_problem,
        _dot_problem,
        _script_problem,
        _repetition_problem,
        _family_initial_problem,
        _case_problem,
    ):
        if code := check(words):
            return code
    return None


def _is_suffix(words: list[str], index: int) -> bool:
    if index != len(words) - 1 or index == 0:
        return False
    word = words[index]
    # A lone V or X after one word is a name or an initial (Malcolm X), not "the Fifth".
    roman = bool(_ROMAN_SUFFIX.fullmatch(word)) and (len(word) > 1 or index > 1)
    return key(word) in _GENERATION_SUFFIXES or roman


def _title_problem(words: list[str]) -> str | None:
    first = words[0]
    if key(first) in _TITLES or (first.endswith(".") and key(first) in _DOTTED_TITLES):
        return "title"
    last = words[-1]
    for suffix in lists.CJK_TITLE_SUFFIXES:
        if last.endswith(suffix) and (len(last) > len(suffix) or len(words) > 1):
            return "title"
    return None


def _degree_problem(words: list[str]) -> str | None:
    last = words[-1].replace(".", "")
    # BA and MA are family names too (Amadou BA, Yo-Yo MA): as degrees they follow a whole name.
    uppercase = last in lists.DEGREES_UPPERCASE and len(words) > 2
    if len(words) > 1 and (key(last) in _DEGREES or uppercase):
        return "degree"
    return None


def _dot_problem(words: list[str]) -> str | None:
    for word in words:
        for i, ch in enumerate(word):
            if ch != ".":
                continue
            start = i
            while start and unicodedata.category(word[start - 1])[0] in "LM":
                start -= 1
            run = word[start:i]
            if not run:
                return "symbols"
            # In scripts without case an initial is a syllable, not a letter (ஏ. ஆர். ரஹ்மான்).
            if _shape(run) == "" or _is_initial(run):
                continue
            if unicodedata.category(word[i + 1 : i + 2] or " ")[0] == "L":
                return "dot_joined"
            if key(run) not in _DOTTED_ABBREVIATIONS:
                return "symbols"
    return None


def _script_problem(words: list[str]) -> str | None:
    scripts = {script(ch) for ch in "".join(words) if unicodedata.category(ch)[0] in "LM"}
    scripts.discard(None)
    japanese, korean = {"HAN", "HIRAGANA", "KATAKANA"}, {"HAN", "HANGUL"}
    if len(scripts) <= 1 or scripts <= japanese or scripts <= korean:
        return None
    return "mixed_scripts"


def _repetition_problem(words: list[str]) -> str | None:
    for index, word in enumerate(words):
        if _is_suffix(words, index):  # III
            continue
        clusters: list[str] = []
        for ch in word:
            if unicodedata.category(ch)[0] == "M" and clusters:
                clusters[-1] += ch
            else:
                clusters.append(ch)
        for a, b, c in zip(clusters, clusters[1:], clusters[2:], strict=False):
            if a.isalpha() and a.casefold() == b.casefold() == c.casefold():
                return "repeated_letters"
    return None


def _shape(text: str) -> str:
    """U for each capital and L for each small letter, in the scripts that write names in case."""
    return "".join(
        ("U" if ch.isupper() or ch.istitle() else "L")
        for ch in text
        if (ch.isupper() or ch.istitle() or ch.islower()) and script(ch) in _CASED_SCRIPTS
    )


def _humps(segment: str) -> list[str]:
    humps: list[str] = []
    for ch in segment:
        if not humps or _shape(ch) == "U":
            humps.append(ch)
        else:
            humps[-1] += ch
    return humps


def _segment_problem(segment: str, *, prefixed: bool = False) -> str | None:
    shape = _shape(segment)
    if re.fullmatch("UL*", shape) or (segment.startswith("IJ") and re.fullmatch("UUL+", shape)):
        return None
    if re.fullmatch("(?:UL+)+", shape):
        humps = _humps(segment)
        return None if all(key(h) in _CAMEL_PREFIXES for h in humps[:-1]) else "camel_joined"
    capital = next((i for i, ch in enumerate(segment) if _shape(ch) == "U"), 0)
    if prefixed and capital and key(segment[:capital]) in _CASE_PREFIXES:
        return _segment_problem(segment[capital:])
    return "unusual_capitalisation"


def _word_problem(word: str, *, first: bool = False) -> str | None:
    segments = [s for s in _SEPARATORS.split(word) if _shape(s)]
    if not segments or key(word) in _PARTICLES:
        return None
    rest = segments[1:]
    if "U" not in _shape(segments[0]):
        if not (rest and key(segments[0]) in _ELIDED_PARTICLES):
            return "unusual_capitalisation"
    # Irish and Zulu lower-case prefixes (Ó hUiginn, kaMpande) never open a name.
    elif problem := _segment_problem(segments[0], prefixed=not first):
        return problem
    return next(
        (p for s in rest if "U" in _shape(s) and (p := _segment_problem(s)) is not None), None
    )


def _is_initial(word: str) -> bool:
    parts = [part for part in word.split(".") if part]
    return bool(parts) and all(
        len(_shape(part)) == 1 == sum(ch.isalpha() for ch in part) for part in parts
    )


def _family_initial_problem(words: list[str]) -> str | None:
    core = [w for i, w in enumerate(words) if not _is_suffix(words, i)]
    last = core[-1]
    # No particle ends a name, so a lone "L." or "Ö" is an initial, not l' or the Irish Ó.
    if len(core) < 2 or not _is_initial(last) or key(last) in _APOSTROPHE_PARTICLES:
        return None
    if all(_is_initial(w) or key(w) in _PARTICLES for w in core):
        return None  # initials only: a rule of its own
    return None if last in lists.LETTER_FAMILY_NAMES else "family_initial"


def _capitals_block(words: list[str]) -> set[int]:
    """The words of a family name written in capitals, as French usage writes it (Denis GENTILE,
    GENTILE Denis, Jean de LA FONTAINE): one run of capital words at the start or the end, the
    rest of the name in ordinary case. Particles in either case sit anywhere; empty otherwise."""
    kinds: list[tuple[int, str]] = []
    for i, word in enumerate(words):
        shape = _shape(word)
        if key(word) in _PARTICLES or not shape or _is_initial(word):
            continue
        kinds.append((i, "C" if set(shape) == {"U"} else "N"))
    pattern = "".join(kind for _, kind in kinds)
    if not re.fullmatch("N+C+|C+N+", pattern):
        return set()
    return {i for i, kind in kinds if kind == "C"}


def _case_problem(words: list[str]) -> str | None:
    core = [w for i, w in enumerate(words) if not _is_suffix(words, i)]
    shapes = "".join(_shape(w) for w in words if not _ROMAN_SUFFIX.fullmatch(w))
    if not shapes:
        return None
    initials = [w for w in core if _is_initial(w)]
    if initials and all(_is_initial(w) or key(w) in _PARTICLES for w in core):
        return "initials_only"
    capitals = _capitals_block(core)
    problems = [
        None if i in capitals else _word_problem(word, first=i == 0) for i, word in enumerate(core)
    ]
    if "camel_joined" in problems:
        return "camel_joined"
    if "L" not in shapes and any(len(_shape(word)) > 1 for word in core):
        return "all_capitals"
    if "U" not in shapes:
        return "all_lowercase"
    return "unusual_capitalisation" if any(problems) else None


def _recase_word(word: str, *, first: bool, turkish: bool) -> str:
    if turkish:  # Turkish pairs I with ı and İ with i, where str.lower() gives i and i̇
        word = word.replace("I", "ı").replace("İ", "i")
    if not first and key(word) in _LOWERCASE_PARTICLES:
        return word.lower()
    pieces = re.split(f"({_SEPARATORS.pattern})", word)
    out = []
    for i, piece in enumerate(pieces):
        elided = i == 0 and not first and len(pieces) > 2 and pieces[1] != "."
        start = next((j for j, ch in enumerate(piece) if ch.lower() != ch.upper()), None)
        if (elided and key(piece) in _ELIDED_PARTICLES) or start is None:
            out.append(piece.lower())
            continue
        capital = "İ" if turkish and piece[start] == "i" else piece[start].title()
        out.append(piece[:start] + capital + piece[start + 1 :].lower())
    return "".join(out)


def _recased(name: str) -> str | None:
    words = name.split(" ")
    turkish = any(ch in "İı" for ch in name)
    out = []
    for i, word in enumerate(words):
        shape = _shape(word)
        uniform = set(shape) == {"L"} or (set(shape) == {"U"} and len(shape) > 1)
        if (i and _ROMAN_SUFFIX.fullmatch(word)) or (
            not uniform and _word_problem(word, first=i == 0) is None
        ):
            out.append(word)
        elif uniform:
            out.append(_recase_word(word, first=i == 0, turkish=turkish))
        else:
            return None  # random capitals: no fix is obvious
    return " ".join(out)


def _without_titles(name: str) -> str:
    words = name.split(" ")
    # A one-letter title ("M.") reads just as well as an initial: M. Night Shyamalan.
    while len(words) > 1 and _title_problem(words[:1]) and len(key(words[0])) > 1:
        words = words[1:]
    while len(words) > 1 and _degree_problem(words):
        words = words[:-1]
    last = words[-1]
    for suffix in lists.CJK_TITLE_SUFFIXES:
        last = last.removesuffix(suffix)
    return " ".join([*words[:-1], last] if last else words[:-1])


def _unglued(name: str) -> str:
    words: list[str] = []
    for word in name.split(" "):
        humps = _humps(word) if _word_problem(word) == "camel_joined" else [word]
        words.append(humps[0])
        for previous, hump in itertools.pairwise(humps):
            if key(previous) in _CAMEL_PREFIXES:
                words[-1] += hump
            else:
                words.append(hump)
    return " ".join(words)


def _visible(name: str) -> str:
    kept = (ch for i, ch in enumerate(name) if _character_code(name, i) != "invisible_characters")
    return "".join(kept)


# Corrections worth offering, by code; the policy normalises each candidate and drops those it
# would refuse.
CANDIDATES: dict[str, Callable[[str], str | None]] = {
    "all_capitals": _recased,
    "all_lowercase": _recased,
    "unusual_capitalisation": _recased,
    "title": _without_titles,
    "degree": _without_titles,
    "camel_joined": _unglued,
    "invisible_characters": _visible,
    "dot_joined": lambda name: re.sub(r"(?<=[^\W\d_]{2})\.(?=[^\W\d_]{2})", " ", name),
    "underscore": lambda name: name.replace("_", " "),
    "comma": lambda name: re.sub(r",(?= (?:Jr|Sr|Jnr|Snr|[IVX]+)\.?$)", "", name),
}
