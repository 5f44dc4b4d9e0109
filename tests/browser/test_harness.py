"""The browser harness itself: a real server, a real Chromium, the checks each page passes."""

from typing import Any

import pytest

from tests.helpers.browser import Server


def test_the_login_page_passes_every_check(server: Server, open_page: Any) -> None:
    checks = open_page()
    checks.page.goto(f"{server.url}/login")
    checks.check("login")
    assert checks.page.get_by_role("heading", name="Log in").is_visible()


def test_a_page_wider_than_a_phone_fails_the_check(open_page: Any) -> None:
    checks = open_page()
    checks.page.set_content(
        '<!doctype html><html lang="en"><title>wide</title><main><h1>Wide</h1>'
        "<table><tr><td>" + "unbreakable" * 60 + "</td></tr></table></main></html>"
    )
    with pytest.raises(AssertionError, match="too wide at 390 px scrolls sideways"):
        checks.check("too wide")


def test_an_unlabelled_field_fails_the_accessibility_check(open_page: Any) -> None:
    checks = open_page()
    checks.page.set_content(
        '<!doctype html><html lang="en"><title>form</title><main><h1>Form</h1>'
        '<form><input type="text" name="q"></form></main></html>'
    )
    with pytest.raises(AssertionError, match=r"accessibility violations.*label"):
        checks.check("unlabelled")
