"""A CM's post, in a real browser, in English and in French: she writes it with the live preview
(the test types, and sees the preview follow with her signature in it), schedules it at 09:30 in
her client's zone (New York, not the browser's), opens its detail, finds it on the week and the
month of the calendar at 09:30, then in the filtered list, and opens it to edit. Every page on
the way passes the checks of tests.helpers.browser and, in French, shows no English."""

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.kit.i18n import translations
from tests.helpers.browser import PageChecks, Server, api
from tests.helpers.french import english_left

PASSWORD = "correct horse battery"
CM_PASSWORD = "a long enough passphrase 7"
ZONE = "America/New_York"


def _owner_token(owner: PageChecks, server: Server) -> str:
    page = owner.page
    page.goto(server.url)
    page.wait_for_url(f"{server.url}/setup")
    page.fill("#organisation", "CL Consult")
    page.fill("#full_name", "Aline Lamour")
    page.fill("#email", "aline@cl-consult.fr")
    page.fill("#password", PASSWORD)
    page.click("form[action='/setup'] button[type=submit]")
    page.wait_for_url(f"{server.url}/app")
    page.goto(f"{server.url}/app/tokens")
    page.fill("#name", "walk")
    page.click("form[action='/app/tokens'] button[type=submit]")
    return str(page.inner_text("#new-token").strip())


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_cm_composes_with_the_live_preview_and_finds_her_post_on_the_calendar(
    server: Server, open_page: Any, lang: str
) -> None:
    t = translations(lang).gettext
    browser_locale = {"en": "en-GB", "fr": "fr-FR"}[lang]
    pages: list[tuple[str, str]] = []

    def seen(checks: PageChecks, name: str) -> None:
        checks.check(name)
        pages.append((name, checks.visible_text()))

    token = _owner_token(open_page(locale=browser_locale, name="owner"), server)
    with api(server, token) as http:
        added = http.post(
            "/people",
            json={
                "email": "mauricette@cl-consult.fr",
                "full_name": "Mauricette Raoul",
                "role": "cm",
                "role_title": "Community Manager",
                "password": CM_PASSWORD,
                "locale": lang,
            },
        )
        assert added.status_code == 201, added.text
        cm = added.json()
        http.post(f"/people/{cm['id']}/attest", json={"method": "id_document"})
        client = http.post(
            "/clients", json={"name": "Bagels Lamour", "timezone": ZONE, "locale": lang}
        ).json()
        blog = {"kind": "local_blog", "name": "Blog", "config": {}, "credentials": {}}
        assert http.post(f"/clients/{client['id']}/channels", json=blog).status_code == 201
        proposed = http.post(f"/clients/{client['id']}/engagements", json={"person_id": cm["id"]})
        assert proposed.status_code == 201, proposed.text

    checks = open_page(locale=browser_locale, name="cm")
    page = checks.page
    page.goto(f"{server.url}/login")
    page.fill("#email", "mauricette@cl-consult.fr")
    page.fill("#password", CM_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{server.url}/app")
    page.locator("li", has_text="Bagels Lamour").locator("form[action$='/accept'] button").click()
    page.wait_for_url(re.compile(r"/app\?answered=accepted"))

    # She writes, and the preview follows her typing, signed with her name.
    page.click("nav.sections a[href='/app/compose']")
    assert t("When, in %(zone)s") % {"zone": ZONE} in checks.visible_text()
    seen(checks, "compose")
    assert page.is_checked("input[name=channel_ids]")
    page.fill("#title", "Bagels du dimanche")
    page.locator("#body").press_sequentially("Nos bagels sont de retour")
    preview = page.locator("#previews .preview-card")
    preview.filter(has_text="Nos bagels sont de retour").wait_for()
    assert "Mauricette Raoul" in preview.inner_text()
    page.locator("#body").press_sequentially(", dès 9 h.")
    preview.filter(has_text="Nos bagels sont de retour, dès 9 h.").wait_for()
    seen(checks, "compose, live preview")

    # 09:30 in New York, three days from now there.
    day = (datetime.now(ZoneInfo(ZONE)) + timedelta(days=3)).date()
    page.fill("#date", day.isoformat())
    page.fill("#time", "09:30")
    page.click("#compose-form button[type=submit]:not([name])")
    page.wait_for_url(re.compile(r"/app/posts/\d+\?done=scheduled"))
    assert f"09:30 ({ZONE})" in checks.visible_text()
    assert t("Scheduled: it goes out at the time below, signed with your name.") in (
        checks.visible_text()
    )
    seen(checks, "post detail")
    detail_url = page.url.split("?")[0]

    # On the week, on its day, at 09:30.
    page.click(f"main a[href^='/app/calendar?client={client['id']}']")
    entry = page.locator(f"ol.calendar > li:has(#day-{day.isoformat()}) a[href^='/app/posts/']")
    assert entry.inner_text().startswith("09:30") and "Bagels du dimanche" in entry.inner_text()
    seen(checks, "calendar, week")
    page.select_option("#calendar-view", "month")
    page.click("form[action='/app/calendar'] button[type=submit]")
    page.wait_for_url(re.compile(r"view=month"))
    assert entry.inner_text().startswith("09:30")
    seen(checks, "calendar, month")
    entry.click()
    page.wait_for_url(detail_url)

    # In the list, filtered to what is scheduled, and open to edit before it goes out.
    page.click("nav.sections a[href='/app/posts']")
    page.select_option("#filter-status", "scheduled")
    page.click("form[action='/app/posts'] button[type=submit]")
    assert page.locator("main a", has_text="Bagels du dimanche").count() == 1
    seen(checks, "posts, filtered")
    page.goto(detail_url)
    page.click(f"main a[href='{detail_url.removeprefix(server.url)}/edit']")
    assert page.input_value("#time") == "09:30" and page.input_value("#date") == day.isoformat()
    seen(checks, "edit")

    if lang == "fr":
        left = {name: english_left(text) for name, text in pages}
        assert not any(left.values()), f"English on French pages: {left}"
