"""Consent data as the API shows it: a guardian's answers with the explanation texts,
history entries, the tagging screen's statuses and the preview of who receives what.
No HTTP here; the routes turn these into responses."""

from __future__ import annotations

from typing import Any

from consent.models import ConsentChange
from consent.policy import Decision, PhotoFacts
from consent.service import KindAnswers
from portal.i18n import translate
from portal.roster.models import Child

Data = dict[str, Any]


def child_ref(child: Child) -> Data:
    return {"id": child.id, "name": f"{child.first_name} {child.last_name}"}


def answers_view(child: Child, answers: list[KindAnswers], lang: str, *, current: bool) -> Data:
    return {
        "child": child_ref(child),
        "can_grant": current,
        "kinds": [
            {
                "key": a.kind.key,
                "label": a.kind.label(lang),
                "explanation": a.kind.explanation(lang),
                "mine": a.mine,
                "effective": a.effective,
                "guardians": [{"name": g.name, "granted": g.granted} for g in a.guardians],
            }
            for a in answers
        ],
        "notes": [translate("consent.both_guardians", lang), translate("consent.regrant_note", lang)],
    }


def change_view(change: ConsentChange) -> Data:
    return {
        "changed_at": change.changed_at.isoformat(),
        "by": change.user_name,
        "kind": change.kind,
        "old": change.old,
        "new": change.new,
        "client": change.client,
    }


def preview_view(facts: PhotoFacts, decision: Decision, children: dict[int, Child], lang: str) -> Data:
    """What each family receives: grouped by the tagged children a guardian is family of."""

    def names(ids: frozenset[int]) -> str:
        return ", ".join(children[c].first_name for c in sorted(ids) if c in children)

    if decision.blocked_by:
        return {
            "blocked_by": [child_ref(children[c]) for c in sorted(decision.blocked_by) if c in children],
            "message": translate("photo.blocked", lang, children=names(decision.blocked_by)),
            "families": [],
        }
    if not facts.tagged:
        text = translate("consent.receives.all_families", lang)
        return {
            "blocked_by": [],
            "message": None,
            "families": [{"children": [], "receives": "unmasked", "masked": [], "text": text}],
        }
    families: dict[frozenset[int], Data] = {}
    for guardian, own in sorted(facts.own_children.items()):
        tagged_own = own & facts.tagged
        family = families.setdefault(tagged_own, {"children": [child_ref(children[c]) for c in sorted(tagged_own)]})
        rendition = decision.renditions.get(guardian)
        if rendition is None:
            family.update(receives="nothing", masked=[], text=translate("consent.receives.nothing", lang))
        elif rendition:
            family.update(
                receives="masked",
                masked=[child_ref(children[c]) for c in sorted(rendition)],
                text=translate("consent.receives.masked", lang, children=names(rendition)),
            )
        else:
            family.update(receives="unmasked", masked=[], text=translate("consent.receives.unmasked", lang))
    return {"blocked_by": [], "message": None, "families": list(families.values())}
