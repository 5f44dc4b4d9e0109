"""The first day, in a real browser, in English and in French: an owner sets Byline up, adds a
community manager and attests her name; the CM signs in, finds the client proposed to her on
her home page and accepts it. Every page on the way passes the checks of tests.helpers.browser
(390 and 1280 px, axe-core, console) and, in French, shows no English."""

import re
from typing import Any

import pytest

from app.kit.i18n import translations
from tests.helpers.browser import PageChecks, Server, api
from tests.helpers.french import english_left

PASSWORD = "correct horse battery"
CM_PASSWORD = "a long enough passphrase 7"


def _login(checks: PageChecks, server: Server, email: str, password: str) -> None:
    page = checks.page
    page.goto(f"{server.url}/login")
    checks.check("login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{server.url}/app")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_owner_adds_and_attests_a_cm_who_accepts_her_first_client(
    server: Server, open_page: Any, lang: str
) -> None:
    t = translations(lang).gettext
    browser_locale = {"en": "en-GB", "fr": "fr-FR"}[lang]
    pages: list[tuple[str, str]] = []

    def seen(checks: PageChecks, name: str) -> None:
        checks.check(name)
        pages.append((name, checks.visible_text()))

    # The owner's first run.
    owner = open_page(locale=browser_locale, name="owner")
    owner.expected_failures.append("/static/no-such-photo.jpg")
    page = owner.page
    page.goto(server.url)
    page.wait_for_url(f"{server.url}/setup")
    seen(owner, "setup")
    page.fill("#organisation", "CL Consult")
    page.fill("#full_name", "Aline Lamour")
    page.fill("#role_title", "Fondatrice")
    page.fill("#email", "aline@cl-consult.fr")
    page.fill("#password", PASSWORD)
    page.click("form[action='/setup'] button[type=submit]")
    page.wait_for_url(f"{server.url}/app")
    seen(owner, "owner home, nothing yet")
    assert "CL Consult" in page.inner_text("header")
    assert t("Nothing needs you right now.") in owner.visible_text()

    # She adds a CM, with a photo that will not load, and attests her name.
    page.click("nav.sections a[href='/app/people']")
    seen(owner, "people")
    page.fill("#full_name", "Mauricette Raoul")
    page.fill("#short_name", "Mauricette")
    page.fill("#email", "mauricette@cl-consult.fr")
    page.fill("#role_title", "Community Manager")
    page.fill("#photo_url", f"{server.url}/static/no-such-photo.jpg")
    page.fill("#password", CM_PASSWORD)
    page.click("form[action='/app/people#add'] button[type=submit]")
    card = page.locator("li", has=page.locator("strong", has_text="Mauricette Raoul"))
    assert t("not attested") in card.inner_text()
    seen(owner, "people, cm added")
    card.locator("summary").click()
    card.locator("select[name=method]").select_option("id_document")
    card.locator("input[name=note]").fill("Passeport")
    card.locator("form[action$='/attest'] button[type=submit]").click()
    assert t("Attested: this name can now sign posts.") in owner.visible_text()
    assert t("name attested") in page.locator("li", has_text="Mauricette Raoul").inner_text()
    seen(owner, "people, cm attested")

    # A client and its proposal to her, through the API (the client pages come later).
    page.click("nav.sections a[href='/app/tokens']")
    page.fill("#name", "walk")
    page.click("form[action='/app/tokens'] button[type=submit]")
    token = page.inner_text("#new-token").strip()
    seen(owner, "tokens")
    with api(server, token) as http:
        client = http.post(
            "/clients",
            json={"name": "Fromagerie Lamour", "timezone": "Europe/Paris", "locale": lang},
        ).json()
        cm = next(p for p in http.get("/people").json() if p["email"].startswith("mauricette"))
        proposed = http.post(f"/clients/{client['id']}/engagements", json={"person_id": cm["id"]})
        assert proposed.status_code == 201, proposed.text

    # The CM signs in and finds the proposal on her home page.
    mauricette = open_page(locale=browser_locale, name="cm")
    mauricette.expected_failures.append("/static/no-such-photo.jpg")
    _login(mauricette, server, "mauricette@cl-consult.fr", CM_PASSWORD)
    page = mauricette.page
    seen(mauricette, "cm home, a proposal")
    assert t("Hello, %(name)s") % {"name": "Mauricette"} in mauricette.visible_text()
    # Her photo does not load: her initials stand in for it.
    page.wait_for_selector("header .me .avatar.no-photo")
    assert page.inner_text("header .me .avatar-initials") == "MR"
    proposal = page.locator("li", has_text="Fromagerie Lamour")
    proposal.locator("form[action$='/accept'] button").click()
    page.wait_for_url(re.compile(r"/app\?answered=accepted"))
    assert t("Engagement accepted: you can now write for this client.") in mauricette.visible_text()
    assert t("Clients proposed to you") in mauricette.visible_text()
    seen(mauricette, "cm home, accepted")
    # The client she accepted is now hers to choose in the switcher.
    assert page.locator("#client-switch option", has_text="Fromagerie Lamour").count() == 1

    page.click("nav.sections a[href='/app/posts']")
    seen(mauricette, "cm posts")
    page.click("header .me")
    seen(mauricette, "cm profile")
    # A page she may not open: the error keeps her navigation and a way back.
    mauricette.expected_failures.append("/app/people")
    page.goto(f"{server.url}/app/people")
    assert page.locator("nav.sections").is_visible()
    assert page.locator("main a[href='/app']").is_visible()
    seen(mauricette, "cm forbidden page")

    if lang == "fr":
        left = {name: english_left(text) for name, text in pages}
        assert not any(left.values()), f"English on French pages: {left}"
