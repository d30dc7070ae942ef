"""Who receives a photo, and in which rendition: pure functions, no I/O.

The rules (../ARCHITECTURE.md, "Photos and consent"):

* No child tagged: an activity photo; every guardian of the group receives it unmasked.
* A tagged child without effective ``photo`` must be masked for everyone, its
  own family included; without a mask it blocks the photo for everyone.
* Guardian G receives the photo iff every tagged child that is not G's own has
  effective ``photo_group`` or is masked in G's rendition. G's own children
  are never masked for G unless they lack ``photo``.

A rendition is named by the set of children masked in it; the empty set is
the plain photo. Only children with a drawn mask can be masked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

MaskSet = frozenset[int]
UNMASKED: MaskSet = frozenset()


@dataclass(frozen=True)
class ChildConsent:
    """A child's effective consent: the AND over all its guardians' answers."""

    photo: bool = False
    photo_group: bool = False

    @property
    def status(self) -> str:
        """For the tagging screen: ``may_appear``, ``own_family_only`` or ``may_not_appear``."""
        if not self.photo:
            return "may_not_appear"
        return "may_appear" if self.photo_group else "own_family_only"


NO_CONSENT = ChildConsent()


@dataclass(frozen=True)
class PhotoFacts:
    """Everything the policy needs about one photo."""

    tagged: frozenset[int]
    masked: frozenset[int]  # tagged children with a drawn mask
    consents: Mapping[int, ChildConsent]  # per tagged child; missing = no consent
    own_children: Mapping[int, frozenset[int]]  # guardian -> their children (only tagged ones matter)
    group_guardians: frozenset[int] = frozenset()  # for an untagged photo


@dataclass(frozen=True)
class Decision:
    blocked_by: frozenset[int] = frozenset()  # children that block the photo for everyone
    renditions: Mapping[int, MaskSet] = field(default_factory=dict)  # guardian -> what they get; absent: nothing

    def mask_sets(self) -> set[MaskSet]:
        return set(self.renditions.values())


def effective(answers: Iterable[bool | None]) -> bool:
    """AND over a child's guardians; unanswered is no, and a child without guardians has no consent."""
    values = list(answers)
    return bool(values) and all(value is True for value in values)


def must_mask(facts: PhotoFacts) -> frozenset[int]:
    """Tagged children that may not appear unmasked to anyone."""
    return frozenset(c for c in facts.tagged if not facts.consents.get(c, NO_CONSENT).photo)


def rendition_for(facts: PhotoFacts, guardian: int) -> MaskSet | None:
    """What ``guardian`` receives: the set of children masked for them, or ``None`` for nothing."""
    own = facts.own_children.get(guardian, frozenset()) & facts.tagged
    needed = set(must_mask(facts))
    for child in facts.tagged - own:
        if not facts.consents.get(child, NO_CONSENT).photo_group:
            needed.add(child)
    if not needed <= facts.masked:
        return None
    return frozenset(needed)


def decide(facts: PhotoFacts) -> Decision:
    if not facts.tagged:
        return Decision(renditions=dict.fromkeys(facts.group_guardians, UNMASKED))
    blocked = must_mask(facts) - facts.masked
    if blocked:
        return Decision(blocked_by=blocked)
    candidates = {g for g, own in facts.own_children.items() if own & facts.tagged}
    renditions = {g: r for g in sorted(candidates) if (r := rendition_for(facts, g)) is not None}
    return Decision(renditions=renditions)


def narrowed(decided: MaskSet | None, current: MaskSet | None) -> MaskSet | None:
    """A decision applied without republishing: never unmask what a recipient had masked.

    Used when consents change: a withdrawal narrows at once, a grant does not by
    itself unmask old photos (staff re-share for that)."""
    if decided is None or current is None:
        return decided
    return decided | current
