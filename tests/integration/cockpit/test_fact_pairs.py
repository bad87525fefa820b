"""The one-pass readers (``FactPairs``, ``audience_snapshot``) give exactly what the
per-question queries give: the same groups with the same keys and sizes, the same
distinct contacts for any set of groups, the same audience members (SQLite and
PostgreSQL, on data seeded through the real pipeline). ``FactPairs`` reads the
record-pairs read model, which must stay equal to the records it counts."""

from __future__ import annotations

from sqlalchemy import select, update

from sphere.pipeline.cascade import delete_interaction
from sphere.runtime import Runtime
from sphere.storage.readmodel_tables import RecordPairRow
from sphere.storage.repositories import record_pairs
from sphere.storage.repositories.audience_groups import (
    audience_groups,
    audience_members,
    audience_snapshot,
)
from sphere.storage.repositories.fact_groups import distinct_contacts, fact_pairs, record_groups
from sphere.storage.repositories.interactions import InteractionRepository

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
        expected = [distinct_contacts(session, selection, now=now) for selection in selections]
        for selection, count in zip(selections, expected, strict=True):
            assert pairs.distinct_contacts(selection) == count, selection
        # several selections from one pass (the what-if: changed and deleted groups)
        assert pairs.distinct_contacts_each([dict(s) for s in selections]) == expected


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


def test_record_pairs_stay_equal_to_the_records_when_a_pairs_first_record_goes(
    seeded: Runtime,
) -> None:
    """The what-if's pairs come from a read model (``record_pairs``): deleting the
    record that is a pair's smallest id (in a SAVEPOINT that is kept, and in one that
    rolls back) leaves it equal to a GROUP BY over the records, ``first_id`` included;
    ``rebuild`` repairs a drifted one."""
    now = seeded.clock.now()
    with seeded.session() as session:
        assert record_pairs.differences(session) == []
        firsts = session.scalars(
            select(RecordPairRow.first_id)
            .where(RecordPairRow.record_type == "interaction")
            .order_by(RecordPairRow.n.desc(), RecordPairRow.first_id)
            .limit(2)
        ).all()
        assert len(firsts) == 2
    with seeded.session() as session:
        interactions = InteractionRepository(session, seeded.keyring)
        kept, dropped = (interactions.get(i) for i in firsts)
        with session.begin_nested():
            delete_interaction(
                session, seeded.keyring, kept, actor="test", reason_code="test", at=now
            )
        nested = session.begin_nested()
        delete_interaction(
            session, seeded.keyring, dropped, actor="test", reason_code="test", at=now
        )
        nested.rollback()
    with seeded.session() as session:
        assert record_pairs.differences(session) == []
        stored = set(session.scalars(select(RecordPairRow.first_id)))
        assert firsts[0] not in stored and firsts[1] in stored
        with fact_pairs(session, now=now) as pairs:
            for record_type in RECORD_TYPES:
                direct = sorted(record_groups(session, record_type, now=now), key=lambda g: g.key)
                assert sorted(pairs.groups(record_type), key=lambda g: g.key) == direct
        session.execute(update(RecordPairRow).values(n=RecordPairRow.n + 1, first_id=None))
        assert record_pairs.differences(session)
        record_pairs.rebuild(session)
        assert record_pairs.differences(session) == []
