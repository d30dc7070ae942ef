"""The guardian's consent page for one child: the explanation per kind, their own
answer and the other guardian's, what holds, and the history of changes; only the
child's own guardians see it, and after leaving the "yes" is gone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import update

from portal.roster.models import Child
from tests.media.conftest import set_consent
from tests.messaging.conftest import World


async def page(world: World, email: str, child: str, **kwargs):
    async with world.client(email) as client:
        return await client.get(f"/toestemming/{world.children[child]}", **kwargs)


def section(html: str, kind: str) -> str:
    match = re.search(rf'data-testid="kind-{kind}">(.*?)</section>', html, re.S)
    assert match, f"no section for {kind}"
    return match.group(1)


async def test_the_page_shows_answers_what_holds_and_the_history(world: World) -> None:
    await set_consent(world, "anna@example.nl", "Noor", photo=True, photo_group=True)
    await set_consent(world, "bram@example.nl", "Noor", photo=True, photo_group=False)
    response = await page(world, "anna@example.nl", "Noor")
    assert response.status_code == 200
    html = response.text
    photo = section(html, "photo")
    assert "Mijn kind mag op foto&#39;s" in photo and "onherkenbaar" in photo  # label and explanation
    assert re.search(r'name="photo" value="true" data-boolean checked', photo)  # Anna's own answer
    assert "Bram Visser: Ja" in photo and "Geldt: ja" in photo
    group = section(html, "photo_group")
    assert "Bram Visser: Nee" in group and "Geldt: nee" in group  # the two disagree: no
    history = html[html.index('data-testid="history"') :]
    assert history.count("<tr>") == 1 + 4  # the header and four changes, newest first
    assert history.index("Bram Visser") < history.index("Anna Visser")


async def test_unanswered_is_no_and_says_so(world: World) -> None:
    html = (await page(world, "piet@example.nl", "Pim")).text
    assert "Zolang niet elke ouder ja zegt, geldt nee." in section(html, "photo")
    assert "Nog geen wijzigingen." in html


async def test_english_on_request(world: World) -> None:
    html = (await page(world, "anna@example.nl", "Noor", headers={"accept-language": "en"})).text
    assert "Consent for Noor" in html and "My child may appear in photos" in html


@pytest.mark.parametrize(
    ("email", "child", "status"),
    [
        ("piet@example.nl", "Noor", 404),  # another family in the same group
        ("carla@example.nl", "Noor", 404),  # another group
        ("xenia@example.nl", "Noor", 404),  # another organisation
        ("ingrid@example.nl", "Noor", 403),  # staff use the group overview, not a family's page
        ("olga@example.nl", "Oud", 404),  # left in 2020: past the leaving window
    ],
)
async def test_nobody_else_sees_a_childs_page(world: World, email: str, child: str, status: int) -> None:
    response = await page(world, email, child)
    assert response.status_code == status
    assert "Mijn kind mag op foto" not in response.text


async def test_after_leaving_only_no_can_be_chosen(world: World) -> None:
    await set_consent(world, "piet@example.nl", "Pim", photo=True)
    async with world.harness.uow() as uow:
        yesterday = dt.date.today() - dt.timedelta(days=2)
        await uow.session.execute(update(Child).where(Child.id == world.children["Pim"]).values(end_date=yesterday))
    html = (await page(world, "piet@example.nl", "Pim")).text
    assert 'data-testid="left-note"' in html
    assert re.search(r'name="photo" value="true" data-boolean checked>', section(html, "photo"))  # may keep yes
    assert re.search(r'name="photo_group" value="true" data-boolean disabled>', section(html, "photo_group"))


async def test_managers_read_a_childs_answers_and_history_and_see_who_has_not_answered(world: World) -> None:
    await set_consent(world, "anna@example.nl", "Noor", photo=True, photo_group=True)
    await set_consent(world, "bram@example.nl", "Noor", photo=True)  # Bram left one kind open
    response = await page(world, "wilma@example.nl", "Noor")
    assert response.status_code == 200
    html = response.text
    assert 'data-testid="consent-read-only"' in html and 'data-testid="consent-form"' not in html
    assert 'name="photo"' not in html  # nothing to change: only guardians answer
    assert "Anna Visser: Ja" in section(html, "photo") and "Bram Visser: Ja" in section(html, "photo")
    assert re.search(r"Bram Visser: <span class=\"muted\">[^<]+</span>", section(html, "photo_group"))
    history = html[html.index('data-testid="history"') :]
    assert history.count("<tr>") == 1 + 3
    assert "consent-history.csv" in html

    async with world.client("wilma@example.nl") as client:
        overview = (await client.get("/toestemming")).text
    unanswered = overview[overview.index('data-testid="unanswered"') :]
    unanswered = unanswered[: unanswered.index("</ul>")]
    assert "Noor Visser" in unanswered and "Bram Visser" in unanswered and "Anna Visser" not in unanswered
    assert "Pim Jansen" in unanswered and "Piet Jansen" in unanswered  # nobody answered for Pim
    assert f'href="/toestemming/{world.children["Noor"]}"' in unanswered
