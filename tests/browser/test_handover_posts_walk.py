"""What the two people of a handover write, in a real browser, in English and in French: the
outgoing CM writes a post, then her farewell from the handover's page; the incoming CM accepts
the handover, and once it took effect (a worker activates it) takes her held post over with the
live preview, signed with his name, and is asked before cancelling it. Every page on the way
passes the checks of tests.helpers.browser and, in French, shows no English."""

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.kit.i18n import translations
from tests.browser.test_compose_walk import _owner_token
from tests.helpers.browser import PageChecks, Server, api
from tests.helpers.french import english_left
from tests.helpers.processes import byline_command, running

CM_PASSWORD = "a long enough passphrase 7"
GUY_PASSWORD = "quatre saisons au marché"
ZONE = "Europe/Paris"
TAKES_EFFECT_IN = timedelta(seconds=20)


def _login(checks: PageChecks, server: Server, email: str, password: str) -> None:
    page = checks.page
    page.goto(f"{server.url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{server.url}/app")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_farewell_and_a_held_post_taken_over(
    server: Server, open_page: Any, lang: str, tmp_path: Path
) -> None:
    t = translations(lang).gettext
    browser_locale = {"en": "en-GB", "fr": "fr-FR"}[lang]
    pages: list[tuple[str, str]] = []

    def seen(checks: PageChecks, name: str) -> None:
        checks.check(name)
        pages.append((name, checks.visible_text()))

    token = _owner_token(open_page(locale=browser_locale, name="owner"), server)
    with api(server, token) as http:
        ids = {}
        for email, full_name, password in (
            ("mauricette@cl-consult.fr", "Mauricette Raoul", CM_PASSWORD),
            ("guy@cl-consult.fr", "Guy Couturier", GUY_PASSWORD),
        ):
            person = http.post(
                "/people",
                json={
                    "email": email,
                    "full_name": full_name,
                    "role": "cm",
                    "role_title": "Community Manager",
                    "password": password,
                    "locale": lang,
                },
            ).json()
            http.post(f"/people/{person['id']}/attest", json={"method": "id_document"})
            ids[email] = person["id"]
        client = http.post(
            "/clients", json={"name": "Fromagerie Lamour", "timezone": ZONE, "locale": lang}
        ).json()
        blog = {"kind": "local_blog", "name": "Blog", "config": {}, "credentials": {}}
        assert http.post(f"/clients/{client['id']}/channels", json=blog).status_code == 201
        engagement = {"person_id": ids["mauricette@cl-consult.fr"]}
        assert http.post(f"/clients/{client['id']}/engagements", json=engagement).status_code == 201

    # Mauricette accepts the client and writes a post for three days from now.
    mauricette = open_page(locale=browser_locale, name="outgoing")
    _login(mauricette, server, "mauricette@cl-consult.fr", CM_PASSWORD)
    page = mauricette.page
    page.locator("li", has_text="Fromagerie Lamour").locator(
        "form[action$='/accept'] button"
    ).click()
    page.wait_for_url(re.compile(r"/app\?answered=accepted"))
    page.goto(f"{server.url}/app/compose")
    page.fill("#title", "Raclette")
    page.fill("#body", "La raclette revient samedi.")
    page.fill("#date", (datetime.now(ZoneInfo(ZONE)) + timedelta(days=3)).date().isoformat())
    page.fill("#time", "09:30")
    page.click("#compose-form button[type=submit]:not([name])")
    page.wait_for_url(re.compile(r"/app/posts/\d+\?done=scheduled"))
    held_url = page.url.split("?")[0].removeprefix(server.url)

    # The owner hands the client over to Guy, effective in a few seconds.
    effective_at = datetime.now(UTC) + TAKES_EFFECT_IN
    with api(server, token) as http:
        handover = http.post(
            f"/clients/{client['id']}/handovers",
            json={
                "outgoing_person_id": ids["mauricette@cl-consult.fr"],
                "incoming_person_id": ids["guy@cl-consult.fr"],
                "effective_at": effective_at.isoformat(),
            },
        )
        assert handover.status_code == 201, handover.text
    handover_url = f"/app/handovers/{handover.json()['id']}"

    # A worker runs from now on: the farewell goes out, then the handover takes effect.
    with (
        running(
            byline_command("worker"),
            {**server.env, "BYLINE_HEARTBEAT_INTERVAL": "1"},
            tmp_path / "worker.log",
        ),
        api(server, token) as http,
    ):
        # Mauricette writes her farewell from the handover's page.
        page.goto(server.url + handover_url)
        seen(mauricette, "handover, the outgoing CM")
        page.click(f"main a[href='{handover_url}/farewell']")
        assert t("Write your farewell") in page.inner_text("h1")
        page.locator("#previews .preview-card").filter(has_text="Mauricette Raoul").wait_for()
        seen(mauricette, "farewell")
        page.click("#compose-form button[type=submit]:not([name])")
        page.wait_for_url(re.compile(r"/app/posts/\d+\?done=scheduled"))
        page.goto(server.url + handover_url)
        assert t("Your farewell is scheduled, signed with your name.") in mauricette.visible_text()

        # Guy accepts; at its time, the handover takes effect.
        guy = open_page(locale=browser_locale, name="incoming")
        _login(guy, server, "guy@cl-consult.fr", GUY_PASSWORD)
        page = guy.page
        page.goto(server.url + handover_url)
        page.click("button[name=do][value=accept]")
        page.wait_for_url(re.compile(r"done=accepted"))
        deadline = time.monotonic() + TAKES_EFFECT_IN.total_seconds() + 30
        while http.get(f"/handovers/{handover.json()['id']}").json()["status"] != "effective":
            assert time.monotonic() < deadline, "the handover did not take effect"
            time.sleep(0.5)

    # Guy takes Mauricette's held post over, with the live preview.
    page.goto(server.url + handover_url)
    held = page.locator("section[aria-labelledby='held-title'] li")
    assert held.count() == 1 and "Raclette" in held.inner_text()  # the farewell went out
    seen(guy, "handover, a held post")
    page.click(f"main a[href='{handover_url}/posts/{held_url.split('/')[-1]}/take-over']")
    assert page.input_value("#body") == "La raclette revient samedi."
    page.locator("#body").press("Control+End")
    page.locator("#body").press_sequentially(" Avec Guy.")
    preview = page.locator("#previews .preview-card")
    preview.filter(has_text="La raclette revient samedi. Avec Guy.").wait_for()
    assert "Guy Couturier" in preview.inner_text()
    seen(guy, "take over, live preview")
    page.click("#compose-form button[type=submit]:not([name])")
    page.wait_for_url(re.compile(r"/app/posts/\d+\?done=taken_over"))
    assert "Guy Couturier" in page.inner_text("main")
    seen(guy, "taken over")

    # Cancelling it asks first; he keeps it.
    taken_url = page.url.split("?")[0]
    page.click("main a.button.danger")
    page.wait_for_url(f"{taken_url}/cancel")
    assert t("Cancel the post?") in page.inner_text("h1")
    seen(guy, "cancel, the question")
    page.click(f"main a[href='{taken_url.removeprefix(server.url)}']")
    page.wait_for_url(taken_url)

    if lang == "fr":
        left = {name: english_left(text) for name, text in pages}
        assert not any(left.values()), f"English on French pages: {left}"
