"""Consent tables.

* ``ConsentKind``: a kind of consent with its Dutch and English label and
  explanation (data, so wording can change without a release).
* ``Consent``: one guardian's current answer for one child and kind. No row
  means unanswered, which counts as no.
* ``ConsentChange``: the append-only audit trail: every change with who, when,
  the child, the kind, old -> new and the client. The database refuses
  updates to it (a trigger on both SQLite and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, UTCDateTime, utcnow


class ConsentKind(Base):
    __tablename__ = "consent_kind"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label_nl: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    explanation_nl: Mapped[str] = mapped_column(Text)
    explanation_en: Mapped[str] = mapped_column(Text)

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_nl

    def explanation(self, lang: str) -> str:
        return self.explanation_en if lang == "en" else self.explanation_nl


class Consent(Base):
    __tablename__ = "consent"
    __table_args__ = (UniqueConstraint("child_id", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(ForeignKey("consent_kind.key"))
    granted: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsentChange(Base):
    __tablename__ = "consent_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(200))  # as it was then: the trail outlives accounts
    kind: Mapped[str] = mapped_column(ForeignKey("consent_kind.key"))
    old: Mapped[bool | None] = mapped_column(Boolean)  # None: unanswered
    new: Mapped[bool] = mapped_column(Boolean)
    client: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
