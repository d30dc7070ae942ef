"""Accessibility, checked by axe-core (Deque's rules for WCAG 2.1 A and AA: labels,
names, contrast, landmarks, focusable controls, language) on the main pages of every
role, at phone size for parents and tablet size for staff and admins, on both
stacks. A violation fails the test with the rule, the element and axe's help text."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import LiveServer, parent_pages
from tests.e2e.people import staff_of
from tests.e2e.test_login_browser import PHONE, TABLET

pytestmark = pytest.mark.browser

RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
axe = Axe()


def violations(page: Any, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.ok, url
    page.wait_for_load_state("networkidle")
    found = axe.run(page, options=RULES).response["violations"]
    return [
        f"{url.split('/', 3)[-1] or '/'}: {v['id']} ({v['impact']}) {v['help']} at {node['target']}"
        for v in found
        for node in v["nodes"]
    ]


def test_the_main_pages_pass_axe(browser: Any, live_server: LiveServer) -> None:
    server = live_server
    problems: list[str] = []
    phone = browser.new_context(viewport=PHONE, locale="nl-NL")
    tablet = browser.new_context(viewport=TABLET, locale="nl-NL")
    try:
        page = phone.new_page()
        problems += violations(page, f"{server.url}/login")
        page.goto(f"{server.url}/login/link/{server.logins.parent[1]}")
        child = page.request.get(f"{server.url}/api/me").json()["children"][0]["id"]
        for path in parent_pages(child):
            problems += violations(page, server.url + path)

        page = tablet.new_page()
        page.goto(f"{server.url}/login/link/{staff_of(server.settings, child).link_token}")
        for path in ("/", "/fotos", "/tablet", f"/kind/{child}"):
            problems += violations(page, server.url + path)
        tablet.clear_cookies()
        page.goto(f"{server.url}/login/link/{server.logins.admin[1]}")
        for path in (
            "/",
            "/toestemming",
            "/vertrek",
            "/rooster",
            "/instellingen",
            "/planning/inbox",
            "/planning/instellingen",
        ):
            problems += violations(page, server.url + path)
    finally:
        phone.close()
        tablet.close()
    assert problems == []
