"""The real-name policy: the corpora, messages, and equivalence.

The corpora live in `names/` beside this file (read by `tests/identity/corpus.py`, which says how
labels are read): `sample_*.tsv` is the public sample the product was specified with,
`project_*.tsv` the project's own rows. `BYLINE_TEST_NAMES_DIR` may name a directory holding more
(`accept.tsv` and/or `refuse.tsv`, same format): those rows are checked too. Nothing is read from
outside the repository unless that variable says so.
"""

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.identity import service
from app.identity.name_messages import confirmable
from app.identity.policy import (
    CODES,
    MAX_LENGTH,
    REVIEW_CODES,
    Verdict,
    check_name,
    normalise_name,
)
from tests.identity.corpus import ISSUE_KINDS, Row, extra_rows, project_rows

WAY_OUT = {
    "en": "If this is your name, ask an owner or a manager to confirm it.",
    "fr": "S'il s'agit bien de votre nom, demandez à un propriétaire ou à un responsable de le "
    "confirmer.",
}


def _extra_rows() -> list[Row]:
    try:
        return extra_rows()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from error


ROWS = project_rows() + _extra_rows()


def _expected(row: Row) -> Verdict:
    if row.accepted:
        return Verdict.ACCEPT
    return Verdict.REVIEW if row.expects_review else Verdict.REFUSE


CORPUS = [pytest.param(row.name, _expected(row), id=f"{row.source}:{row.label}") for row in ROWS]


@pytest.mark.parametrize(("name", "verdict"), CORPUS)
def test_corpus_row_gets_its_verdict(name: str, verdict: Verdict) -> None:
    result = check_name(name)
    assert result.verdict == verdict, result


# One name per code: every code can be reached, and says something in both languages.
CODE_EXAMPLES: dict[str, tuple[str, dict[str, list[str]]]] = {
    "ok": ("Aline Lamour", {}),
    "empty": ("  ", {}),
    "too_long": ("Marie " * 20, {}),
    "unsupported_characters": ("Aline\x00Lamour", {}),
    "invisible_characters": ("Ali\u200bne Lamour", {}),
    "email": ("aline@cl-consult.fr", {}),
    "url": ("http://cl-consult.fr", {}),
    "organisation_name": ("CL Consult", {"organisation_names": ["CL Consult"]}),
    "client_name": ("Boulangerie Corre", {"client_names": ["Boulangerie Corre"]}),
    "placeholder": ("Jane Doe", {}),
    "role_word": ("Moderator", {}),
    "generic_word": ("Anonymous Coward", {}),
    "styled_letters": ("𝓐𝓵𝓲𝓷𝓮 𝓛𝓪𝓶𝓸𝓾𝓻", {}),
    "at_sign": ("@AlineLamour", {}),
    "digits": ("Cecile75", {}),
    "underscore": ("Aline_Lamour", {}),
    "symbols": ("♥ Aline ♥", {}),
    "quotes": ('Aline "Lili" Lamour', {}),
    "comma": ("Aline, Lamour", {}),
    "title": ("Me Aline Lamour", {}),
    "degree": ("Aline Lamour MBA", {}),
    "dot_joined": ("cl.consult", {}),
    "mixed_scripts": ("\u0410line Lamour", {}),
    "repeated_letters": ("Aliiiine Lamour", {}),
    "initials_only": ("A. L.", {}),
    "camel_joined": ("AlineLamour", {}),
    "all_capitals": ("GUY COUTURIER", {}),
    "all_lowercase": ("guy couturier", {}),
    "unusual_capitalisation": ("aLiNe lAmOuR", {}),
    "placeholder_common": ("Jean Dupont", {}),
    "role_word_common": ("Acme Bot", {}),
    "generic_word_common": ("Toto Wolff", {}),
    "family_initial": ("Denis G.", {}),
    "descriptive": ("Maman de Léa", {}),
    "promotional": ("Promo Dupont", {}),
}


def test_every_code_has_an_example() -> None:
    assert set(CODE_EXAMPLES) == CODES


@pytest.mark.parametrize("code", sorted(CODE_EXAMPLES))
def test_every_code_is_reachable_and_explained_in_french_and_english(code: str) -> None:
    name, others = CODE_EXAMPLES[code]
    result = check_name(name, **others)
    assert result.code == code
    english, french = result.message("en"), result.message("fr")
    assert english.strip() and french.strip() and english != french
    assert result.message("fr-CA") == french
    assert result.message("de") == english


@pytest.mark.parametrize("code", sorted(CODE_EXAMPLES))
@pytest.mark.parametrize("locale", ["en", "fr"])
def test_messages_never_judge_the_person(code: str, locale: str) -> None:
    name, others = CODE_EXAMPLES[code]
    message = check_name(name, **others).message(locale).casefold()
    for word in ("fake", "faux", "fausse", "not real", "invalid name", "nom invalide"):
        assert word not in message


@pytest.mark.parametrize("code", sorted(REVIEW_CODES))
@pytest.mark.parametrize("locale", ["en", "fr"])
def test_reviewed_names_are_told_how_to_get_confirmed(code: str, locale: str) -> None:
    name, others = CODE_EXAMPLES[code]
    result = check_name(name, **others)
    assert result.verdict == Verdict.REVIEW
    assert WAY_OUT[locale] in result.message(locale)


@pytest.mark.parametrize(
    ("name", "english", "french"),
    [
        (
            "GUY COUTURIER",
            "Write the name with capitals only at the start of each part, for example "
            "“Guy Couturier”.",
            "Écrivez le nom avec une majuscule au début de chaque partie, par exemple "
            "« Guy Couturier ».",
        ),
        (
            "guy couturier",
            "Write the name with a capital at the start of each part, for example “Guy Couturier”.",
            "Écrivez le nom avec une majuscule au début de chaque partie, par exemple "
            "« Guy Couturier ».",
        ),
    ],
)
def test_capitalisation_refusals_offer_the_fix(name: str, english: str, french: str) -> None:
    result = check_name(name)
    assert result.verdict == Verdict.REFUSE
    assert result.suggestion == "Guy Couturier"
    assert english in result.message("en")
    assert french in result.message("fr").replace("\u00a0", " ")
    # The fix is obvious, so there is no confirming it as written.
    assert WAY_OUT["en"] not in result.message("en")
    assert not result.confirmable


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("ALINE LAMOUR", "Aline Lamour"),
        ("ＡＬＩＮＥ ＬＡＭＯＵＲ", "Aline Lamour"),
        ("JEAN DE LA FONTAINE", "Jean de La Fontaine"),
        ("mary o'neill", "Mary O'Neill"),
        ("TAWFIQ AL-HAKIM", "Tawfiq al-Hakim"),
        ("pierre-étienne d'aubigné", "Pierre-Étienne d'Aubigné"),
        ("İLBER ORTAYLI", "İlber Ortaylı"),
        ("ΑΛΈΞΗΣ ΤΣΊΠΡΑΣ", "Αλέξης Τσίπρας"),
        ("фёдор достоевский", "Фёдор Достоевский"),
        ("JOHN SMITH III", "John Smith III"),
        ("JEAN DUPONT", "Jean Dupont"),
        ("Dr. Aline Lamour", "Aline Lamour"),
        ("Prof. Dr. Hans Schmidt", "Hans Schmidt"),
        ("Aline Lamour Ph.D.", "Aline Lamour"),
        ("AlineLamour", "Aline Lamour"),
        ("Aline.Lamour", "Aline Lamour"),
        ("Aline_Lamour", "Aline Lamour"),
        ("Ali\u200bne Lamour", "Aline Lamour"),
        ("Sammy Davis, Jr.", "Sammy Davis Jr."),
    ],
)
def test_fixable_names_come_with_the_fix(name: str, suggestion: str) -> None:
    result = check_name(name)
    assert result.verdict == Verdict.REFUSE
    assert result.suggestion == suggestion
    assert suggestion in result.message("en") and suggestion in result.message("fr")


@pytest.mark.parametrize(
    "name",
    [
        "aLiNe lAmOuR",  # which capitals were meant is anyone's guess
        "cl.consult",  # "Cl Consult" would still be no one's name
        "Lamour, Aline",  # the order the person signs in is unknown
        "M. Night Shyamalan",  # "M." may be Monsieur or an initial
        "Aline\u200dLamour",  # without the joiner it is "AlineLamour", refused too
    ],
)
def test_no_fix_is_offered_when_none_is_obvious(name: str) -> None:
    result = check_name(name)
    assert result.verdict == Verdict.REFUSE
    assert result.suggestion is None


@pytest.mark.parametrize(
    ("name", "others", "code"),
    [
        ("CL Consult", {"organisation_names": ["CL Consult"]}, "organisation_name"),
        ("cl-consult", {"organisation_names": ["CL Consult"]}, "organisation_name"),
        ("ClConsult", {"organisation_names": ["CL Consult"]}, "organisation_name"),
        ("@cl.consult", {"organisation_names": ["CL Consult"]}, "organisation_name"),
        ("L'équipe CL Consult", {"organisation_names": ["CL Consult"]}, "organisation_name"),
        ("CL Consult", {"organisation_names": ["CL Consult SARL"]}, "organisation_name"),
        ("BYLINE", {"organisation_names": ["Byline"]}, "organisation_name"),
        ("Byline Bot", {"organisation_names": ["Byline"]}, "role_word"),
        ("Boulangerie Corre", {"client_names": ["Boulangerie Corre"]}, "client_name"),
        ("Aline Boulangerie Corre", {"client_names": ["Boulangerie Corre"]}, "client_name"),
        ("Martin", {"client_names": ["Martin"]}, "client_name"),
    ],
)
def test_organisation_and_client_names_cannot_sign(
    name: str, others: dict[str, list[str]], code: str
) -> None:
    result = check_name(name, **others)
    assert (result.verdict, result.code) == (Verdict.REFUSE, code)


@pytest.mark.parametrize(
    ("name", "others"),
    [
        ("Guy Martin", {"client_names": ["Martin"]}),
        ("Didier Corre", {"client_names": ["Boulangerie Corre"]}),
        ("Mauricette Raoul", {"organisation_names": ["CL Consult"], "client_names": ["Corre"]}),
        ("Aline Lamour", {"organisation_names": ["", "123", " - "]}),
    ],
)
def test_people_who_share_a_word_with_a_client_can_sign(
    name: str, others: dict[str, list[str]]
) -> None:
    assert check_name(name, **others).verdict == Verdict.ACCEPT


def test_organisation_names_may_be_any_iterable() -> None:
    result = check_name("CL Consult", organisation_names=(n for n in ["Autre", "CL Consult"]))
    assert result.code == "organisation_name"


@pytest.mark.parametrize(
    ("name", "verdict", "code"),
    [
        ("Yann Le Bot", Verdict.ACCEPT, "ok"),  # after an article: a Breton family name
        ("Francisco de Sales", Verdict.ACCEPT, "ok"),
        # After a given name: a family name (Dutch, English).
        ("Bernard Bot", Verdict.ACCEPT, "ok"),
        ("Robert Service", Verdict.ACCEPT, "ok"),
        ("Christopher Guest", Verdict.ACCEPT, "ok"),
        # After a word that is no one's given name: a bot, or a family name, for a person to say.
        ("Byline Bot", Verdict.REVIEW, "role_word_common"),
        ("Acme Bot", Verdict.REVIEW, "role_word_common"),
        ("Toto Wolff", Verdict.REVIEW, "generic_word_common"),  # Toto is a stand-in word too
        ("Bot", Verdict.REFUSE, "role_word"),
        ("Le Bot", Verdict.REFUSE, "role_word"),
        ("Guest User", Verdict.REFUSE, "generic_word"),
        ("Marie Admin", Verdict.REFUSE, "role_word"),  # "admin" is no one's family name
    ],
)
def test_role_words_that_are_also_family_names(name: str, verdict: Verdict, code: str) -> None:
    result = check_name(name)
    assert (result.verdict, result.code) == (verdict, code)


@pytest.mark.parametrize(
    "name",
    [
        "علی حسین\u200cزاده",  # Persian: ZWNJ inside a family name
        "लक्\u200dष्मी वर्मा",  # Devanagari: ZWJ after a virama
        "葛\U000e0100飾 北斎",  # Japanese: ideographic variation selector
    ],
)
def test_joiners_and_selectors_are_kept_where_a_script_needs_them(name: str) -> None:
    result = check_name(name)
    assert result.verdict == Verdict.ACCEPT
    assert result.normalised == name


def test_normalisation_composes_folds_width_and_collapses_spaces_but_keeps_case() -> None:
    assert normalise_name("  Ｊose\u0301\u00a0\u00a0de   la\tFUENTE ") == "José de la FUENTE"
    assert normalise_name("ｶﾞｸ") == "ガク"


def test_styled_letters_are_refused_not_folded() -> None:
    result = check_name("𝓐𝓵𝓲𝓷𝓮")
    assert (result.normalised, result.code) == ("𝓐𝓵𝓲𝓷𝓮", "styled_letters")


def test_length_is_capped() -> None:
    longest = " ".join(["Marie"] * 16 + ["Anne"])
    assert len(longest) == MAX_LENGTH
    assert check_name(longest).code == "ok"
    assert check_name(longest + "-Sophie").code == "too_long"
    assert check_name("A" * 1_000_000).code == "too_long"


INTERESTING = (
    "AaÉéEeİıIiOoÓóọẠ\u0301\u0300\u0323\u0302\u0308\u0336 '-.·_@,\"«»ᴀ𝓐Ａａ\u200b\u200d\u202eАΑ"
)
TEXT = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
    st.text(st.sampled_from(INTERESTING), max_size=20),
    st.sampled_from([row.values[0] for row in CORPUS]).flatmap(
        lambda name: st.text(st.sampled_from(INTERESTING), max_size=3).map(lambda x: name + x)
    ),
)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_canonically_equivalent_spellings_get_the_same_answer(text: str) -> None:
    result = check_name(text)
    assert check_name(unicodedata.normalize("NFC", text)) == result
    assert check_name(unicodedata.normalize("NFD", text)) == result
    assert normalise_name(result.normalised) == result.normalised
    assert result.code in CODES
    assert result.message("en") and result.message("fr")
    if result.suggestion is not None:
        assert check_name(result.suggestion).verdict != Verdict.REFUSE


@pytest.mark.parametrize(
    ("name", "confirmable"),
    [
        ("M. Night Shyamalan", True),  # read as the title Monsieur: a person may confirm it
        ("MaryAnn Lamour", True),  # looks camel-joined
        ("Jean Dupont", True),  # review: common real name used as an example
        ("Admin", False),
        ("John Doe", False),
        ("Service Client", False),
        ("GUY COUTURIER", False),  # the fix is obvious
        ("jojo_cm", False),
        ("Denis G.", False),
        ("Maman de Léa", False),
        ("Promo Dupont", False),
        ("Guy Couturier", False),  # nothing to confirm
    ],
)
def test_only_how_a_real_name_is_written_can_be_confirmed(name: str, confirmable: bool) -> None:
    assert check_name(name).confirmable is confirmable


def test_a_family_name_in_capitals_signs_as_it_is_written() -> None:
    result = check_name("Denis GENTILE")
    assert (result.verdict, result.normalised, result.suggestion) == (
        Verdict.ACCEPT,
        "Denis GENTILE",
        None,
    )


@pytest.mark.parametrize("kind", sorted(ISSUE_KINDS))
def test_every_kind_of_mistake_has_rows_on_both_sides(kind: str) -> None:
    sides = {row.accepted for row in project_rows() if row.kind == kind}
    assert sides == {True, False}


# The pseudonyms of these kinds are refused by their own rule, not by chance (a lower-case "of"
# or a title-like word would refuse "Mother of Dragons" while "Mother Of Dragons" went through).
KIND_CODES = {
    "family-initial": "family_initial",
    "role-script": "role_word",
    "descriptive": "descriptive",
    "promotional": "promotional",
    "placeholder-country": "placeholder",
}


@pytest.mark.parametrize(
    ("name", "code"),
    [
        pytest.param(row.name, KIND_CODES[row.kind], id=f"{row.source}:{row.label}")
        for row in project_rows()
        if not row.accepted and row.kind in KIND_CODES
    ],
)
def test_each_kind_of_pseudonym_is_refused_by_its_rule(name: str, code: str) -> None:
    assert check_name(name).code == code


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en", "passes the name policy; it signs posts once an owner or a manager attests it"),
        ("fr", "respecte la règle des noms ; il signe des publications dès qu'un propriétaire"),
    ],
)
def test_an_accepted_name_is_told_it_still_needs_an_attestation(locale: str, said: str) -> None:
    assert said in check_name("Aline Lamour").message(locale)


@pytest.mark.parametrize("code", sorted(code for code in CODES if confirmable(code)))
@pytest.mark.parametrize("locale", ["en", "fr"])
def test_the_confirmation_message_speaks_to_whoever_confirms(code: str, locale: str) -> None:
    name, others = CODE_EXAMPLES[code]
    result = check_name(name, **others)
    to_confirmer = result.message(locale, to_confirmer=True)
    assert to_confirmer != result.message(locale)
    words = set(re.findall(r"\w+", to_confirmer.casefold()))
    assert not words & {"you", "your", "vous", "votre", "vos"}, to_confirmer


def test_an_attestation_waiting_for_confirmation_is_explained_to_the_attester() -> None:
    detail = service.to_confirmer(check_name("Jean Dupont"))
    assert detail == {
        "en": "Many people bear this name, but it is also often used as an example name.",
        "fr": "Beaucoup de personnes portent ce nom, mais il sert aussi souvent de nom d'exemple.",
    }
