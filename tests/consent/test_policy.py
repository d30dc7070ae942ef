"""The pure consent policy, by example and by property over random families
(siblings, guardians who disagree, step-families, masks)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from consent.policy import ChildConsent, PhotoFacts, decide, effective, narrowed, rendition_for

YES = ChildConsent(photo=True, photo_group=True)
OWN = ChildConsent(photo=True, photo_group=False)
NO = ChildConsent(photo=False, photo_group=False)

# Noor (1): Anna (10) and Bram (11); Pim (2): Piet (20); Lina (3): Carla (30); siblings Sam (4) + Sanne (5): Sara (40)
FAMILIES = {10: frozenset({1}), 11: frozenset({1}), 20: frozenset({2}), 30: frozenset({3}), 40: frozenset({4, 5})}


def facts(consents: dict[int, ChildConsent], masked: set[int] = frozenset(), **extra) -> PhotoFacts:  # type: ignore[assignment]
    return PhotoFacts(frozenset(consents), frozenset(masked), consents, FAMILIES, **extra)


def test_effective_consent_is_the_and_over_guardians_and_unanswered_is_no() -> None:
    assert effective([True, True]) is True
    assert effective([True, False]) is False
    assert effective([True, None]) is False
    assert effective([]) is False


def test_an_untagged_photo_goes_to_every_family_of_the_group_unmasked() -> None:
    decision = decide(PhotoFacts(frozenset(), frozenset(), {}, {}, frozenset({10, 11, 20})))
    assert decision.renditions == {10: frozenset(), 11: frozenset(), 20: frozenset()}


def test_everyone_consenting_goes_unmasked_to_the_families_in_the_photo_only() -> None:
    decision = decide(facts({1: YES, 2: YES}))
    assert decision.renditions == {10: frozenset(), 11: frozenset(), 20: frozenset()}


def test_own_family_only_masks_the_child_for_the_others_or_leaves_them_out() -> None:
    assert decide(facts({1: YES, 2: OWN})).renditions == {20: frozenset()}
    masked = decide(facts({1: YES, 2: OWN}, {2}))
    assert masked.renditions == {10: frozenset({2}), 11: frozenset({2}), 20: frozenset()}


def test_a_child_without_photo_consent_blocks_unless_masked_then_is_masked_for_everyone() -> None:
    blocked = decide(facts({1: YES, 2: NO}))
    assert blocked.blocked_by == {2} and blocked.renditions == {}
    masked = decide(facts({1: YES, 2: NO}, {2}))
    assert not masked.blocked_by
    assert masked.renditions == {10: frozenset({2}), 11: frozenset({2}), 20: frozenset({2})}


def test_siblings_are_never_masked_for_their_own_guardian() -> None:
    decision = decide(facts({4: OWN, 5: OWN, 1: OWN}, {1, 4, 5}))
    assert decision.renditions[40] == frozenset({1})
    assert decision.renditions[10] == frozenset({4, 5})


def test_narrowing_never_unmasks() -> None:
    assert narrowed(frozenset(), frozenset({2})) == frozenset({2})
    assert narrowed(None, frozenset()) is None
    assert narrowed(frozenset({3}), None) == frozenset({3})


# ---- properties ---------------------------------------------------------------------------

consent_values = st.builds(ChildConsent, photo=st.booleans(), photo_group=st.booleans())


@st.composite
def random_photos(draw: st.DrawFn) -> PhotoFacts:
    """Up to 6 children, each with 0-3 guardians drawn from 6 people (so step-families and
    guardians of children in several groups occur), some tagged, some masked."""
    children = list(range(1, draw(st.integers(1, 6)) + 1))
    guardians: dict[int, set[int]] = {}
    for child in children:
        for person in draw(st.sets(st.integers(100, 105), max_size=3)):
            guardians.setdefault(person, set()).add(child)
    tagged = frozenset(draw(st.sets(st.sampled_from(children), max_size=len(children))))
    masked = frozenset(draw(st.sets(st.sampled_from(sorted(tagged)), max_size=len(tagged)))) if tagged else frozenset()
    consents = {child: draw(consent_values) for child in children}
    return PhotoFacts(tagged, masked, consents, {g: frozenset(c) for g, c in guardians.items()}, frozenset(guardians))


@settings(max_examples=400, deadline=None)
@given(random_photos())
def test_no_guardian_ever_sees_a_child_they_may_not_see(facts: PhotoFacts) -> None:
    decision = decide(facts)
    for guardian, masked in decision.renditions.items():
        own = facts.own_children.get(guardian, frozenset())
        assert masked <= facts.masked  # only drawn masks can hide a child
        for child in facts.tagged - masked:  # visible to this guardian
            consent = facts.consents[child]
            assert consent.photo, "a child without photo consent is never shown unmasked"
            assert child in own or consent.photo_group, "another family's child needs photo_group"


@settings(max_examples=400, deadline=None)
@given(random_photos())
def test_nobody_is_left_out_or_masked_without_a_reason(facts: PhotoFacts) -> None:
    decision = decide(facts)
    if not facts.tagged:
        assert set(decision.renditions) == set(facts.group_guardians)
        return
    without_photo = {c for c in facts.tagged if not facts.consents[c].photo}
    assert decision.blocked_by == without_photo - facts.masked
    if decision.blocked_by:
        assert decision.renditions == {}
        return
    for guardian, own in facts.own_children.items():
        if not own & facts.tagged:
            assert guardian not in decision.renditions  # families not in the photo get nothing
            continue
        others_hidden = {c for c in facts.tagged - own if not facts.consents[c].photo_group}
        expected = None if not others_hidden <= facts.masked else frozenset(others_hidden | without_photo)
        assert decision.renditions.get(guardian) == expected
        if expected is not None:
            assert not (expected & own) - without_photo  # own children masked only without photo


@st.composite
def disjoint_families(draw: st.DrawFn) -> PhotoFacts:
    """Families that do not overlap (each child's guardians guard only that family's children)."""
    facts = draw(random_photos())
    families: dict[frozenset[int], set[int]] = {}
    for guardian, children in facts.own_children.items():
        families.setdefault(children, set()).add(guardian)
    chosen: dict[int, frozenset[int]] = {}
    taken: set[int] = set()
    for children, guardians in families.items():
        if not children & taken:
            taken |= children
            chosen.update(dict.fromkeys(guardians, children))
    return PhotoFacts(facts.tagged, facts.masked, facts.consents, chosen, frozenset(chosen))


@settings(max_examples=300, deadline=None)
@given(disjoint_families())
def test_renditions_are_bounded_by_masked_children_plus_one(facts: PhotoFacts) -> None:
    decision = decide(facts)
    assert len(decision.mask_sets() | {frozenset()}) <= len(facts.masked) + 1


@settings(max_examples=300, deadline=None)
@given(random_photos(), st.data())
def test_withdrawing_a_consent_never_shows_more(facts: PhotoFacts, data: st.DataObject) -> None:
    """What a guardian had, narrowed by a new decision after a withdrawal, is allowed and no less masked."""
    before = decide(facts)
    child = data.draw(st.sampled_from(sorted(facts.consents)))
    weaker = ChildConsent(photo=facts.consents[child].photo and data.draw(st.booleans()), photo_group=False)
    after_facts = PhotoFacts(
        facts.tagged, facts.masked, {**facts.consents, child: weaker}, facts.own_children, facts.group_guardians
    )
    for guardian, had in before.renditions.items():
        now = narrowed(rendition_for(after_facts, guardian) if facts.tagged else frozenset(), had)
        if now is None:
            continue
        assert had <= now
        for visible in facts.tagged - now:
            assert after_facts.consents[visible].photo
            assert visible in after_facts.own_children[guardian] or after_facts.consents[visible].photo_group
