"""The staff-to-child ratio against the published table (Besluit kwaliteit
kinderopvang, Bijlage 1, Tabel 1, dagopvang; BSO 1:10 and 1:12): the largest group each
row allows needs that many professionals, one child more needs one more (or is not
allowed), and the rows limited in babies hold."""

from __future__ import annotations

import datetime as dt

import pytest

from planning import bkr


@pytest.mark.parametrize(
    ("ages", "professionals"),
    [
        # alle kinderen één leeftijd
        ([0] * 3, 1),
        ([0] * 4, 2),
        ([0] * 6, 2),
        ([0] * 9, 3),
        ([0] * 12, 4),
        ([0] * 13, None),
        ([1] * 5, 1),
        ([1] * 6, 2),
        ([1] * 10, 2),
        ([1] * 15, 3),
        ([1] * 16, 4),
        ([1] * 17, None),
        ([2] * 8, 1),
        ([2] * 9, 2),
        ([2] * 16, 2),
        ([2] * 17, None),
        ([3] * 8, 1),
        ([3] * 16, 2),
        # gemengde leeftijdsgroepen
        ([0, 1, 1, 1], 1),
        ([0, 1, 1, 1, 1], 2),
        ([0] * 4 + [1] * 4, 2),
        ([0] * 8 + [1] * 6, 3),
        ([0] * 8 + [1] * 8, 4),
        ([0, 1, 2, 2, 2], 1),
        ([0, 1, 2, 2, 2, 2], 2),
        ([0] * 2 + [2] * 8, 2),
        ([0] * 8 + [1] + [2] * 4, 3),
        ([0] * 8 + [1] + [2] * 5, 4),  # 13 with up to 8 babies; 14 only with up to 4
        ([0] * 4 + [1] * 5 + [2] * 5, 3),
        ([0] * 3 + [1] * 6 + [2] * 6, 3),
        ([0] * 4 + [1] * 6 + [2] * 5, 4),
        ([0, 3, 3, 3, 3], 1),
        ([0] * 2 + [3] * 10, 2),
        ([0] * 8 + [3] * 6, 3),
        ([0] * 5 + [3] * 10, 3),
        ([0] * 3 + [3] * 13, 3),
        ([0] * 4 + [3] * 12, 4),
        ([1] * 3 + [2] * 3, 1),
        ([1] * 3 + [2] * 4, 2),
        ([1] * 5 + [2] * 6, 2),
        ([1] * 6 + [2] * 10, 3),
        ([1] * 3 + [3] * 4, 1),
        ([1] * 3 + [3] * 5, 2),
        ([1] * 6 + [3] * 7, 2),
        ([1] * 6 + [3] * 10, 3),
        ([2] * 4 + [3] * 4, 1),
        ([2] * 4 + [3] * 5, 2),
        ([2] * 8 + [3] * 8, 2),
        ([], 0),
    ],
)
def test_day_care_follows_table_1(ages: list[int], professionals: int | None) -> None:
    assert bkr.day_care(ages).professionals == professionals


@pytest.mark.parametrize(
    ("ages", "professionals"),
    [
        ([5] * 10, 1),
        ([5] * 11, 2),
        ([8] * 12, 1),
        ([8] * 13, 2),
        ([5] * 5 + [8] * 6, 1),
        ([5] * 5 + [8] * 7, 2),
        ([], 0),
    ],
)
def test_after_school_care(ages: list[int], professionals: int) -> None:
    assert bkr.after_school(ages).professionals == professionals


def test_one_more_child_never_needs_fewer_professionals() -> None:
    """The table alone is not monotone across age spans; the room check is."""
    import itertools

    ages = [0] + [1] * 5 + [2] * 5
    assert bkr.day_care(ages).professionals == 3 and bkr.day_care([*ages, 3]).professionals == 2
    assert bkr.needed_with("kdv", ages, 3).professionals == 3
    for counts in itertools.product(range(0, 6), repeat=4):
        ages = [a for a, n in enumerate(counts) for _ in range(n)]
        now = bkr.day_care(ages).professionals
        for extra in range(4):
            more = bkr.needed_with("kdv", ages, extra).professionals
            if now is not None and more is not None:
                assert more >= now, (counts, extra)


def test_age_is_in_completed_years_on_the_day() -> None:
    assert bkr.age_on(dt.date(2025, 3, 1), dt.date(2026, 2, 28)) == 0
    assert bkr.age_on(dt.date(2025, 3, 1), dt.date(2026, 3, 1)) == 1
    assert bkr.needed("bso", [5] * 11).professionals == 2 and bkr.needed("kdv", [2] * 9).professionals == 2
