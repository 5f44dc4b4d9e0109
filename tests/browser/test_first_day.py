"""The first day, in a real browser, in English and in French: an owner sets Byline up, adds a
community manager and attests her name; the CM signs in, finds the client proposed to her on
her home page and accepts it. Every page on the way passes the checks of tests.helpers.browser
(390 and 1280 px, axe-core, console) and, in French, shows no English."""

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.kit.i18n import translations
from tests.helpers.browser import PageChecks, Server
from tests.helpers.french import english_left

PASSWORD = "correct horse battery"
CM_PASSWORD = "tomme de savoie au lait cru"
GUY_PASSWORD = "quatre saisons au marché"


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

    # A second CM, who will take the client over later.
    page.fill("#full_name", "Guy Couturier")
    page.fill("#email", "guy@cl-consult.fr")
    page.fill("#password", GUY_PASSWORD)
    page.click("form[action='/app/people#add'] button[type=submit]")
    card = page.locator("li", has=page.locator("strong", has_text="Guy Couturier"))
    card.locator("summary").first.click()
    card.locator("select[name=method]").select_option("declared")
    card.locator("form[action$='/attest'] button[type=submit]").click()
    assert t("Attested: this name can now sign posts.") in owner.visible_text()

    page.click("nav.sections a[href='/app/tokens']")
    seen(owner, "tokens")

    # A client, its blog, and its proposal to her.
    page.click("nav.sections a[href='/app/clients']")
    seen(owner, "clients, none yet")
    page.fill("#name", "Fromagerie Lamour")
    page.fill("#timezone", "Europe/Paris")
    page.select_option("#locale", lang)
    page.click("form[action='/app/clients#new'] button[type=submit]")
    page.wait_for_url(re.compile(r"/app/clients/\d+\?done=created"))
    client_url = page.url.split("?")[0]
    assert t("Client added. Give it a channel, then propose it to a community manager.") in (
        owner.visible_text()
    )
    seen(owner, "client added")
    page.click("#channel-local_blog summary")
    page.click("#channel-local_blog button[type=submit]")
    page.wait_for_url(re.compile(r"done=channel"))
    assert t("Channel added. Check it to see that it answers.") in owner.visible_text()
    seen(owner, "client with its blog")
    page.select_option("#propose-person_id", label="Mauricette Raoul")
    page.click("form[action$='/engagements#propose'] button[type=submit]")
    page.wait_for_url(re.compile(r"done=proposed"))
    history = page.inner_text("#engagements")
    assert "Mauricette Raoul" in history and t("proposed") in history
    seen(owner, "client, proposed")

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

    # The owner schedules a handover of the client from Mauricette to Guy, in a week, in the
    # client's zone; Guy reads the announcement, edits it, sees it per channel and accepts.
    page = owner.page
    page.goto(client_url)
    assert "Europe/Paris" in page.inner_text("label[for='handover-effective_at']")
    page.select_option("#handover-outgoing_person_id", label="Mauricette Raoul")
    page.select_option("#handover-incoming_person_id", label="Guy Couturier")
    next_week = (datetime.now(ZoneInfo("Europe/Paris")) + timedelta(days=7)).strftime("%Y-%m-%d")
    page.fill("#handover-effective_at", f"{next_week}T09:00")
    page.click("form[action$='/handovers#schedule'] button[type=submit]")
    page.wait_for_url(re.compile(r"/app/handovers/\d+\?done=scheduled"))
    handover_url = page.url.split("?")[0]
    assert "09:00 (Europe/Paris)" in owner.visible_text()
    seen(owner, "handover scheduled")
    page.click("nav.sections a[href='/app/handovers']")
    assert "Fromagerie Lamour" in page.inner_text("main")
    seen(owner, "handovers")

    guy = open_page(locale=browser_locale, name="incoming")
    guy.expected_failures.append("/static/no-such-photo.jpg")  # Mauricette's, on the handover
    _login(guy, server, "guy@cl-consult.fr", GUY_PASSWORD)
    page = guy.page
    seen(guy, "incoming home, a handover")
    page.click(f"main a[href='{handover_url.removeprefix(server.url)}']")
    seen(guy, "handover, the draft")
    page.fill("#body", "Bonjour ! Guy Couturier reprend la parole pour la Fromagerie Lamour.")
    page.click("button[name=do][value=preview]")
    preview = page.inner_text("ul.previews")
    assert "Guy Couturier reprend la parole" in preview and "Guy Couturier" in preview
    seen(guy, "handover, edited and previewed")
    page.click("button[name=do][value=accept]")
    page.wait_for_url(re.compile(r"done=accepted"))
    assert (
        t(
            "Handover accepted: its announcement goes out, signed with your name, when it "
            "takes effect."
        )
        in guy.visible_text()
    )
    seen(guy, "handover accepted")

    if lang == "fr":
        left = {name: english_left(text) for name, text in pages}
        assert not any(left.values()), f"English on French pages: {left}"
