"""Every page fits a 360 px wide phone: nothing is wider than the screen, so nobody
has to scroll sideways (parents on their phones, staff on theirs), on both stacks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, parent_pages
from tests.e2e.people import staff_of
from tests.e2e.test_login_browser import PHONE

pytestmark = pytest.mark.browser


def overflowing(page: Any, url: str) -> int:
    """How many pixels the page at ``url`` is wider than the screen (0: it fits)."""
    response = page.goto(url)
    assert response is not None and response.ok, url
    page.wait_for_load_state("networkidle")
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_the_pages_fit_a_phone(browser: Any, live_server: LiveServer) -> None:
    server = live_server
    context = browser.new_context(viewport=PHONE, locale="nl-NL")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/login/link/{server.logins.parent[1]}")
        child = page.request.get(f"{server.url}/api/me").json()["children"][0]["id"]
        wide = {path: overflowing(page, server.url + path) for path in parent_pages(child)}

        staff_member = staff_of(server.settings, child)
        context.clear_cookies()
        page.goto(f"{server.url}/login/link/{staff_member.link_token}")
        wide |= {
            f"staff {path}": overflowing(page, server.url + path) for path in ("/", "/fotos", "/account", "/tablet")
        }

        context.clear_cookies()
        page.goto(f"{server.url}/login/link/{server.logins.admin[1]}")
        wide |= {
            f"admin {path}": overflowing(page, server.url + path)
            for path in ("/", "/toestemming", "/vertrek", "/instellingen", "/planning/inbox", "/planning/instellingen")
        }
    finally:
        context.close()
    assert {path: px for path, px in wide.items() if px > 0} == {}
