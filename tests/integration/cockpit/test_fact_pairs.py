"""The one-pass readers (``FactPairs``, ``audience_snapshot``) give exactly what the
per-question queries give: the same groups with the same keys and sizes, the same
distinct contacts for any set of groups, the same audience members (SQLite and
PostgreSQL, on data seeded through the real pipeline)."""

from __future__ import annotations

from sqlalchemy import select

from sphere.runtime import Runtime
from sphere.storage.repositories.audience_groups import (
    audience_groups,
    audience_members,
    audience_snapshot,
)
from sphere.storage.repositories.fact_groups import distinct_contacts, fact_pairs, record_groups

RECORD_TYPES = ("interaction", "event", "contact")


def test_fact_pairs_equal_the_grouping_queries(seeded: Runtime) -> None:
    now = seeded.clock.now()
    with seeded.session() as session, fact_pairs(session, now=now) as pairs:
        keys: dict[str, list[str]] = {}
        for record_type in RECORD_TYPES:
            direct = sorted(record_groups(session, record_type, now=now), key=lambda g: g.key)
            paired = sorted(pairs.groups(record_type), key=lambda g: g.key)
            assert paired == direct
            keys[record_type] = [g.key for g in direct]
        assert sum(len(k) for k in keys.values()) >= 3
        selections = [list(keys.items())]
        selections += [[(t, [k])] for t, ks in keys.items() for k in ks]
        selections += [[(t, ks[::2]) for t, ks in keys.items()], [("interaction", [])]]
        for selection in selections:
            expected = distinct_contacts(session, selection, now=now)
            assert pairs.distinct_contacts(selection) == expected, selection


def test_audience_snapshot_equals_groups_and_members(seeded: Runtime) -> None:
    now = seeded.clock.now()
    selection = {
        "purpose": "direct_marketing",
        "now": now,
        "sends_since": now,
        "channels": ["email", "sms"],
        "uses": [("contact_data", None)],
    }
    with seeded.session() as session:
        groups = sorted(audience_groups(session, **selection), key=lambda g: g.key)
        members = set(session.execute(audience_members(session, keys=None, **selection)).all())
        with audience_snapshot(session, **selection) as audience:
            assert sorted(audience.groups, key=lambda g: g.key) == groups
            assert set(session.execute(audience.members()).all()) == members
        assert members and sum(g.count for g in groups) == len(members)
        # the temporary table is gone once the block ends
        assert session.execute(select(1)).scalar() == 1
