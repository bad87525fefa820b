"""``new_ordered_id``: RFC 9562 UUIDv7 strings that sort in creation order."""

from __future__ import annotations

import uuid

from sphere.storage.tables import new_id, new_ordered_id


def test_ordered_ids_sort_in_creation_order_and_are_uuid7() -> None:
    ids = [new_ordered_id() for _ in range(5000)]  # many share a millisecond
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    parsed = uuid.UUID(ids[0])
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert len(ids[0]) == len(new_id()) == 36  # fits the same ID column


def test_random_ids_do_not_sort_in_creation_order() -> None:
    """Why the ledger needs ordered ids: uuid4 order is random (this can fail only with
    probability 1/5000!)."""
    ids = [new_id() for _ in range(5000)]
    assert ids != sorted(ids)
