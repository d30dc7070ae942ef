"""The beroepskracht-kindratio (BKR): how many professionals the children present
need, from the published rules as data.

Source: Besluit kwaliteit kinderopvang (BWBR0039936), Bijlage 1 "Rekenregels
beroepskracht-kindratio", a. dagopvang, Tabel 1 (as in force since 1 January 2019;
the tool behind it is www.1ratio.nl). For day care the table gives, per age span of
the group, the most children 1, 2, 3 or 4 professionals may have, some rows limited
in how many of them are under one (the table's footnotes). The number needed is the
first row the group fits. Beyond the table (groups larger than it allows) nothing is
allowed: ``None``.

After-school care (b. buitenschoolse opvang): 1 professional per 10 children of 4 up
to 7 and per 12 of 7 up to 13; for mixed ages the fractions are added and rounded up.

``docs/planning.md`` lists the published rows the tests check.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# age bands by completed years
BANDS = (0, 1, 2, 3)  # 0 tot 1, 1 tot 2, 2 tot 3, 3 tot 4

# (youngest band, oldest band) -> [(professionals, most children, most under one or None)]
Row = tuple[int, int, int | None]
TABLE_1: dict[tuple[int, int], list[Row]] = {
    # groepen, alle kinderen één leeftijd
    (0, 0): [(1, 3, None), (2, 6, None), (3, 9, None), (4, 12, None)],
    (1, 1): [(1, 5, None), (2, 10, None), (3, 15, None), (4, 16, None)],
    (2, 2): [(1, 8, None), (2, 16, None)],
    (3, 3): [(1, 8, None), (2, 16, None)],
    # gemengde leeftijdsgroepen (footnotes: at most 8, 4, 3 or 5 children under one)
    (0, 1): [(1, 4, None), (2, 8, None), (3, 14, 8), (4, 16, 8)],
    (0, 2): [(1, 5, None), (2, 10, None), (3, 13, 8), (3, 14, 4), (3, 15, 3), (4, 16, 8)],
    (0, 3): [(1, 5, None), (2, 12, None), (3, 14, 8), (3, 15, 5), (3, 16, 3), (4, 16, 8)],
    (1, 2): [(1, 6, None), (2, 11, None), (3, 16, None)],
    (1, 3): [(1, 7, None), (2, 13, None), (3, 16, None)],
    (2, 3): [(1, 8, None), (2, 16, None)],
}

BSO_YOUNG_PER = 10  # 4 up to 7
BSO_OLD_PER = 12  # 7 up to 13


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class Need:
    professionals: int | None  # None: more children than the rules allow at all
    children: int
    rule: str  # which row or formula decided, for the inbox


def day_care(ages: Iterable[int]) -> Need:
    """Professionals needed for children of these ages (0-3) in one stamgroep."""
    counts = Counter(min(max(a, 0), 3) for a in ages)
    total = sum(counts.values())
    if total == 0:
        return Need(0, 0, "-")
    span = (min(counts), max(counts))
    under_one = counts.get(0, 0)
    for professionals, most, most_under_one in TABLE_1[span]:
        if total <= most and (most_under_one is None or under_one <= most_under_one):
            return Need(professionals, total, f"tabel 1, {span[0]}-{span[1] + 1} jaar: {professionals} op {most}")
    return Need(None, total, f"tabel 1, {span[0]}-{span[1] + 1} jaar: groep te groot")


def after_school(ages: Iterable[int]) -> Need:
    """Professionals needed for children of these ages (4-12) in after-school care."""
    young = old = 0
    for age in ages:
        if age < 7:
            young += 1
        else:
            old += 1
    if young + old == 0:
        return Need(0, 0, "-")
    # in twelfths, to add the fractions exactly
    twelfths = young * 12 / BSO_YOUNG_PER + old * 12 / BSO_OLD_PER
    return Need(math.ceil(twelfths / 12 - 1e-9), young + old, f"bso: {young}/10 + {old}/12")


def needed(care_type: str, ages: Iterable[int]) -> Need:
    return after_school(ages) if care_type == "bso" else day_care(ages)


def needed_with(care_type: str, ages: list[int], newcomer: int) -> Need:
    """The need with one more child, never below the need without it: the table alone
    would sometimes need fewer (11 children aged 0 to 3 need 3; add a four-year-old and
    the group of 0 to 4 with 12 needs 2), and a child joining never frees staff."""
    before = needed(care_type, ages)
    after = needed(care_type, [*ages, newcomer])
    if (
        before.professionals is not None
        and after.professionals is not None
        and after.professionals < before.professionals
    ):
        return Need(
            before.professionals, after.children, f"{after.rule} (niet minder dan zonder: {before.professionals})"
        )
    return after
