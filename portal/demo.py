"""Demo data: a believable organisation seeded through the real roster import path.

Two locations, four groups (kdv, bso, peuteropvang), 50 children in 47
families (three with two children, four with one guardian), 90 guardians,
eight staff, a manager and an admin. Deterministic (seeded), and idempotent:
seeding an existing demo organisation changes nothing. Every demo account is
activated with the password ``DEMO_PASSWORD``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.accounts.models import TokenPurpose
from portal.accounts.passwords import hash_password
from portal.accounts.service import issue_link_token
from portal.database import utcnow
from portal.roster.importer import ChildPlan, GuardianPlan
from portal.roster.models import CareType, Organisation, Role, User
from portal.roster.service import apply_roster, create_organisation
from portal.roster.staff_import import StaffPlan, apply_staff

DEMO_SLUG = "demo"
DEMO_NAME = "Kinderopvang De Vlinder"
DEMO_PASSWORD = "schriftje-demo"
LOGIN_LINK_MINUTES = 60

GROUPS = (
    ("Utrecht Centrum", "Rupsjes", CareType.KDV),
    ("Utrecht Centrum", "Vlinders", CareType.PEUTEROPVANG),
    ("Utrecht Oost", "Boomhut", CareType.BSO),
    ("Utrecht Oost", "Egeltjes", CareType.KDV),
)
FIRST_NAMES = [
    "Noah",
    "Emma",
    "Liam",
    "Julia",
    "Luca",
    "Mila",
    "Sem",
    "Tess",
    "Daan",
    "Sara",
    "Finn",
    "Nora",
    "Levi",
    "Yara",
    "Milan",
    "Zoë",
    "Bram",
    "Lotte",
    "Jesse",
    "Evi",
    "Thomas",
    "Saar",
    "Mees",
    "Anna",
    "Adam",
    "Fenna",
    "Sam",
    "Lieke",
    "Noud",
    "Isa",
    "Ties",
    "Roos",
    "Siem",
    "Fleur",
    "Hugo",
    "Elin",
    "Mats",
    "Lina",
    "Boaz",
    "Ilse",
    "Jens",
    "Nova",
    "Stijn",
    "Hanna",
    "Guus",
    "Maud",
    "Ravi",
    "Amira",
    "Youssef",
    "Lara",
]
LAST_NAMES = [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "El Amrani",
    "Yilmaz",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "de Bruin",
    "van der Heijden",
    "Schouten",
    "van Beek",
    "Willems",
    "van Vliet",
    "van de Ven",
    "Hoekstra",
    "Maas",
    "Verhoeven",
    "Koster",
    "Prins",
]
PARENT_NAMES = [
    "Anouk",
    "Mark",
    "Sanne",
    "Peter",
    "Femke",
    "Jeroen",
    "Linda",
    "Bas",
    "Iris",
    "Martijn",
    "Eva",
    "Rik",
    "Lisa",
    "Tim",
    "Marloes",
    "Joost",
    "Esther",
    "Niels",
    "Karin",
    "Dennis",
    "Fatima",
    "Mohamed",
    "Ayşe",
    "Mehmet",
    "Inge",
    "Frank",
    "Petra",
    "Erik",
    "Judith",
    "Koen",
    "Sophie",
    "Ruben",
    "Marieke",
    "Wouter",
    "Laura",
    "Thijs",
    "Naomi",
    "Jasper",
    "Romy",
    "Vincent",
]
STAFF = (
    ("Ingrid Pauw", "Utrecht Centrum/Rupsjes"),
    ("Kees Wolters", "Utrecht Centrum/Rupsjes"),
    ("Samira Bouali", "Utrecht Centrum/Vlinders"),
    ("Tamara Lindeman", "Utrecht Centrum/Vlinders"),
    ("Joris Bleeker", "Utrecht Oost/Boomhut"),
    ("Hatice Aydın", "Utrecht Oost/Boomhut"),
    ("Marjolein Kuipers", "Utrecht Oost/Egeltjes"),
    ("Ruud Verbeek", "Utrecht Oost/Egeltjes|Utrecht Oost/Boomhut"),
)


@dataclass(frozen=True)
class DemoLogins:
    parent: tuple[str, str]
    staff: tuple[str, str]
    admin: tuple[str, str]


def _email(name: str, family: str, n: int) -> str:
    local = f"{name}.{family}".lower().replace(" ", "").replace("ş", "s").replace("ı", "i").replace("ë", "e")
    return f"{local}{n}@demo.schriftje.nl"


def demo_plans(today: dt.date) -> tuple[list[ChildPlan], list[StaffPlan]]:
    rng = random.Random(2026)
    plans: list[ChildPlan] = []
    child_index = 0
    for family in range(47):
        last = LAST_NAMES[family % len(LAST_NAMES)]
        guardian_count = 1 if family % 12 == 5 else 2
        guardians = tuple(
            GuardianPlan(
                f"{PARENT_NAMES[(family * 2 + g) % len(PARENT_NAMES)]} {last}",
                _email(PARENT_NAMES[(family * 2 + g) % len(PARENT_NAMES)], last, family),
                "ouder",
            )
            for g in range(guardian_count)
        )
        for _ in range(2 if family in (0, 9, 21) else 1):
            location, group, care = GROUPS[child_index % len(GROUPS)]
            age_days = {
                CareType.KDV: (120, 1400),
                CareType.PEUTEROPVANG: (800, 1450),
                CareType.BSO: (1500, 4300),
            }[care]
            birth = today - dt.timedelta(days=rng.randint(*age_days))
            start = max(
                birth + dt.timedelta(days=90),
                today - dt.timedelta(days=rng.randint(30, 900)),
            )
            end = today + dt.timedelta(days=rng.randint(20, 60)) if child_index in (7, 30) else None
            plans.append(
                ChildPlan(
                    line=child_index + 2,
                    location=location,
                    group=group,
                    care_type=care,
                    child_ref=f"D{child_index + 1:03d}",
                    first_name=FIRST_NAMES[child_index],
                    last_name=last,
                    birth_date=birth,
                    start_date=start,
                    end_date=end,
                    guardians=guardians,
                )
            )
            child_index += 1
    staff = [
        StaffPlan(
            i + 2,
            name,
            _email(name.split()[0], name.split()[-1], 0),
            Role.STAFF,
            _groups(groups),
        )
        for i, (name, groups) in enumerate(STAFF)
    ]
    staff.append(StaffPlan(20, "Wilma Manders", "manager@demo.schriftje.nl", Role.MANAGER, ()))
    staff.append(StaffPlan(21, "Arjen Beheer", "admin@demo.schriftje.nl", Role.ADMIN, ()))
    return plans, staff


def _groups(spec: str) -> tuple[tuple[str, str], ...]:
    return tuple(tuple(item.split("/", 1)) for item in spec.split("|"))  # type: ignore[misc]


async def seed_demo(session: AsyncSession, today: dt.date | None = None) -> Organisation:
    """Create the demo organisation unless it exists; returns it either way."""
    existing = await session.scalar(select(Organisation).where(Organisation.slug == DEMO_SLUG))
    if existing is not None:
        return existing
    organisation = await create_organisation(session, DEMO_SLUG, DEMO_NAME)
    children, staff = demo_plans(today or dt.date.today())
    await apply_roster(session, organisation, children)
    await apply_staff(session, organisation, staff)
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for every demo account keeps seeding fast
    now = utcnow()
    for user in await session.scalars(select(User).where(User.organisation_id == organisation.id)):
        user.password_hash = password_hash
        user.activated_at = now
    await session.flush()
    return organisation


async def demo_login_links(session: AsyncSession, organisation: Organisation) -> DemoLogins:
    """Fresh one-time login tokens for a parent of two, a staff member and the admin."""
    lifetime = dt.timedelta(minutes=LOGIN_LINK_MINUTES)
    # the first family seeded has two children and two guardians
    parent = await session.scalar(
        select(User).where(User.organisation_id == organisation.id, User.role == Role.PARENT).order_by(User.id).limit(1)
    )
    staff = await session.scalar(
        select(User).where(User.organisation_id == organisation.id, User.role == Role.STAFF).order_by(User.id).limit(1)
    )
    admin = await session.scalar(
        select(User).where(User.organisation_id == organisation.id, User.role == Role.ADMIN).order_by(User.id).limit(1)
    )
    assert parent and staff and admin, "demo organisation is incomplete"
    return DemoLogins(
        parent=(
            parent.email,
            await issue_link_token(session, parent, TokenPurpose.LOGIN, lifetime),
        ),
        staff=(
            staff.email,
            await issue_link_token(session, staff, TokenPurpose.LOGIN, lifetime),
        ),
        admin=(
            admin.email,
            await issue_link_token(session, admin, TokenPurpose.LOGIN, lifetime),
        ),
    )
