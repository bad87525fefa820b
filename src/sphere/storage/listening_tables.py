"""ORM model of the social-listening counters: anonymous counts, like ``aggregates``.

One row per (day, channel, kind, value): how many public posts about the company's
market that did not address the company mentioned a product (``kind = "product"``) or
carried a sentiment (``kind = "sentiment"``, value positive | neutral | negative). No ids,
no text: the figures leave Sphere only through ``sphere.analytics`` (noise, k-threshold).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sphere.storage.tables import ENUM, ID, Base, new_id


class ListeningCountRow(Base):
    __tablename__ = "listening_counts"
    __table_args__ = (UniqueConstraint("day", "channel", "kind", "value"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(ENUM)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(100))
    count: Mapped[int] = mapped_column(Integer, default=0)
