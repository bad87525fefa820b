"""Message ids carry no identifier from the payload: they end up in ``stream_receipts``,
which outlives a person's erasure (Art. 17 GDPR), so only the channel and a digest of
the bytes are in them."""

from __future__ import annotations

import json

from sphere.domain import Channel
from sphere.intake.config import IntakeKind
from sphere.intake.shapes import make_record, split_body


def test_the_same_bytes_are_the_same_message_and_an_edit_is_another() -> None:
    status = {"id": "115824506439794710", "content": "<p>Hallo</p>"}
    first = make_record(Channel.MASTODON, json.dumps(status).encode())
    again = make_record(Channel.MASTODON, json.dumps(status).encode())
    edited = make_record(Channel.MASTODON, json.dumps({**status, "content": "<p>Hi</p>"}).encode())
    assert first.msg_id == again.msg_id != edited.msg_id
    assert first.msg_id.startswith("mastodon:")


def test_no_post_id_did_or_customer_number_in_the_id() -> None:
    bodies = [
        (
            Channel.BLUESKY,
            {
                "did": "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
                "time_us": 1,
                "kind": "commit",
                "commit": {"rkey": "3l3qo2vuowo2b"},
            },
        ),
        (Channel.MASTODON, {"id": "115824506439794710", "account": {"id": "1"}}),
    ]
    for channel, value in bodies:
        for record in split_body(IntakeKind.SIGNED, channel, json.dumps(value).encode()):
            _, digest = record.msg_id.split(":")
            assert len(digest) == 24 and all(c in "0123456789abcdef" for c in digest)
            for identifier in ("ewvi7nxzyoun6zhxrhs64oiz", "3l3qo2vuowo2b", "115824506439794710"):
                assert identifier not in record.msg_id
