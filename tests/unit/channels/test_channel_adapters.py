"""Adapters over fixtures that follow the platforms' published example payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sphere.channels import BadRecord, adapter_for, build_registry, read_records
from sphere.domain import FrozenClock, Observation, ObservationKind
from sphere.domain.facts import Visibility
from sphere.errors import InvalidInput

FIXTURES = Path(__file__).parents[2] / "fixtures" / "channels"
CLOCK = FrozenClock()


def parse_file(adapter: str, name: str, fmt: str) -> list[Observation]:
    registry = build_registry(clock=CLOCK)
    out: list[Observation] = []
    for record in read_records(FIXTURES / adapter / name, format=fmt):  # type: ignore[arg-type]
        assert record.error is None, record.error
        assert record.value is not None
        out.extend(registry.get(adapter).parse(record.value, ref=f"{name}:{record.line}"))
    return out


def test_every_fixture_dir_names_its_doc_page() -> None:
    for directory in FIXTURES.iterdir():
        readme = (directory / "README.md").read_text(encoding="utf-8")
        assert "Follows" in readme or "schema" in readme, directory.name


def test_mastodon_status_entity() -> None:
    public, direct, private, hostile = parse_file("mastodon", "statuses.jsonl", "jsonl")
    assert public.kind is ObservationKind.POST and public.visibility is Visibility.PUBLIC
    assert public.text.startswith("Hallo @optiklinse, mein Tele 70-200")
    assert "&amp;" not in public.text and "& klappert.\nWas tun?" in public.text
    assert public.mentions == ("optiklinse@photo.example",)
    assert public.hashtags == ("optiklinse",)
    assert public.author is not None and public.author.handle == "anna_k@photo.example"
    assert public.created_at == datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    assert direct.visibility is Visibility.PRIVATE_MESSAGE
    assert direct.kind is ObservationKind.MESSAGE
    assert private.visibility is Visibility.RESTRICTED
    # escaped markup is text decoded once; real <script>/<style> content is gone
    assert hostile.text == "Look <script>alert(1)</script> and &amp; here\n\nsecond paragraph"
    assert "document.cookie" not in hostile.text and "p{}" not in hostile.text


def test_mastodon_streaming_update_edit_delete() -> None:
    update, edit, delete = parse_file("mastodon", "streaming.jsonl", "jsonl")
    assert update.kind is ObservationKind.POST
    assert edit.kind is ObservationKind.EDIT and edit.source_id == update.source_id
    assert edit.edited_at == datetime(2026, 5, 1, 10, 5, tzinfo=UTC)
    assert delete.kind is ObservationKind.DELETION and delete.source_id == update.source_id
    assert delete.created_at == CLOCK.now()


def test_x_lookup_with_includes_yields_one_observation_per_tweet() -> None:
    reply, quote = parse_file("x", "tweet_lookup.json", "json")
    assert reply.kind is ObservationKind.COMMENT
    assert reply.in_reply_to_id == "1790000000000000000"
    assert reply.in_reply_to_user_id == "1000000001"
    assert reply.conversation_id == "1790000000000000000"
    assert reply.author is not None and reply.author.handle == "bernd_b"
    assert "optiklinse" in reply.mentions
    assert "Kratzer & ich" in reply.text  # &amp; decoded exactly once
    assert quote.quoted_id == "1780000000000000005"
    assert quote.urls == ("https://optiklinse.example/makro-100",)


def test_x_compliance_delete_and_edit() -> None:
    (deletion,) = parse_file("x", "compliance.jsonl", "jsonl")
    assert deletion.kind is ObservationKind.DELETION
    assert deletion.source_id == "1790000000000000001"
    (edit,) = parse_file("x", "edits.jsonl", "jsonl")
    assert edit.kind is ObservationKind.EDIT and edit.source_id == "1790000000000000001"
    assert edit.attributes["version_id"] == "1790000000000000009"


def test_facebook_page_feed_post_and_comment() -> None:
    post, comment = parse_file("facebook", "page_feed.json", "json")
    assert post.kind is ObservationKind.POST and post.container_id == "1234567890"
    assert post.created_at == datetime(2026, 5, 4, 12, 0, tzinfo=UTC)  # "+0000" form
    assert comment.kind is ObservationKind.COMMENT
    assert comment.in_reply_to_id == "1234567890_1111"
    assert comment.mentions == ("1234567890",)
    (removed,) = parse_file("facebook", "webhook.jsonl", "jsonl")
    assert removed.kind is ObservationKind.DELETION and removed.source_id == "1111_2222"


def test_bluesky_view_and_jetstream() -> None:
    (view,) = parse_file("bluesky", "get_posts.json", "json")
    assert view.mentions == ("did:plc:optiklinse00000000000001",)
    assert view.in_reply_to_user_id == "did:plc:optiklinse00000000000001"
    assert view.language == "de" and "👋" in view.text
    create, delete = parse_file("bluesky", "jetstream.jsonl", "jsonl")
    assert create.hashtags == ("optiklinse",)
    assert delete.kind is ObservationKind.DELETION and delete.source_id == create.source_id


def _bsky(text: str, start: int, end: int) -> dict[str, object]:
    return {
        "uri": "at://did:plc:a/app.bsky.feed.post/1",
        "author": {"did": "did:plc:a", "handle": "a.example.com"},
        "record": {
            "text": text,
            "createdAt": "2026-01-01T00:00:00Z",
            "facets": [
                {
                    "index": {"byteStart": start, "byteEnd": end},
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:b"}],
                }
            ],
        },
    }


def test_bluesky_facets_are_byte_offsets() -> None:
    text = "Ü😀 @b.example.com"
    start = text.encode().index(b"@")  # 7 bytes in, but only 3 characters
    (obs,) = adapter_for("bluesky").parse(_bsky(text, start, len(text.encode())), ref="t")
    assert obs.mentions == ("did:plc:b",)
    with pytest.raises(BadRecord) as excinfo:  # offset 1 splits the two-byte "Ü"
        adapter_for("bluesky").parse(_bsky(text, 1, 5), ref="t")
    assert excinfo.value.field == "record.facets[0].index"
    with pytest.raises(BadRecord, match="outside"):
        adapter_for("bluesky").parse(_bsky(text, 3, 999), ref="t")


def test_forum_jsonl_and_multiline_csv() -> None:
    post, reply, deleted = parse_file("forum", "posts.jsonl", "jsonl")
    assert post.on_company_page and post.visibility is Visibility.COMPANY_PUBLIC
    assert post.text == "Makro 100 Fokus\n\nDer Fokus pumpt."
    assert reply.visibility is Visibility.RESTRICTED and reply.in_reply_to_id == "f-1"
    assert deleted.kind is ObservationKind.DELETION
    (row,) = parse_file("forum", "posts.csv", "csv")
    assert row.text == "Frage zum Tele 70-200, mehrzeilig:\nzweite Zeile"
    assert row.mentions == ("optiklinse", "gerd")


def test_crm_contacts_and_german_latin1_export() -> None:
    registry = build_registry()
    records = list(read_records(FIXTURES / "crm" / "contacts.csv", format="csv"))
    (contact,) = registry.get("crm").parse(records[0].value or {}, ref="c:2")
    assert contact.kind is ObservationKind.CONTACT
    assert contact.attributes["consents"] == {"email": True, "phone": False, "newsletter": None}
    with pytest.raises(BadRecord) as excinfo:
        registry.get("crm").parse(records[1].value or {}, ref="c:3")
    assert excinfo.value.field == "email" and "not-an-email" not in str(excinfo.value)
    (latin,) = list(read_records(FIXTURES / "crm" / "contacts_latin1.csv", format="csv"))
    assert latin.note is not None and "cp1252" in latin.note and "semicolon" in latin.note
    (german,) = registry.get("crm").parse(latin.value or {}, ref="l:2")
    assert german.attributes["name"] == {"first_name": "Jörg", "last_name": "Müller"}
    assert german.attributes["consents"]["email"] is True


def test_web_events_signals_and_naive_timestamp() -> None:
    records = list(read_records(FIXTURES / "web" / "pageviews.jsonl", format="jsonl"))
    web = adapter_for("web")
    (first,) = web.parse(records[0].value or {}, ref="w:1")
    assert first.attributes["signals"] == {"dnt": True, "gpc": True, "tcf_string": None}
    assert first.attributes["referrer"] == "https://search.example/?q=tele"
    with pytest.raises(BadRecord) as excinfo:
        web.parse(records[2].value or {}, ref="w:3")
    assert excinfo.value.field == "timestamp" and "time zone" in excinfo.value.reason


def test_mobile_events_zero_idfa_is_not_an_identity() -> None:
    ios, android = parse_file("mobile", "events.jsonl", "jsonl")
    assert "advertising_id" not in ios.attributes["identities"]
    assert ios.attributes["signals"]["att_status"] == "denied"
    assert android.attributes["identities"]["advertising_id"].startswith("38400000")


def test_unknown_adapter_lists_known_ones() -> None:
    with pytest.raises(InvalidInput, match="known: bluesky, crm, facebook"):
        adapter_for("myspace")


@pytest.mark.parametrize(
    ("adapter", "record", "field"),
    [
        (
            "x",
            {"data": {"id": "1", "text": "hi", "created_at": "2026-01-01T00:00:00"}},
            "data.created_at",
        ),  # no zone
        ("mastodon", {"id": "1", "visibility": "secret", "account": {}}, "visibility"),
        ("mastodon", {"event": "delete", "payload": {"x": 1}}, "payload"),
        (
            "facebook",
            {"id": "1_2", "message": 5, "created_time": "2026-01-01T00:00:00+0000"},
            "message",
        ),  # wrong type
        ("forum", {"post_id": "p", "thread_id": "t", "author_id": "a"}, "created_at"),
    ],
    ids=[
        "x-naive-time",
        "mastodon-visibility",
        "mastodon-delete-payload",
        "fb-message-type",
        "forum-missing-time",
    ],
)
def test_bad_records_name_the_field(adapter: str, record: dict[str, object], field: str) -> None:
    with pytest.raises(BadRecord) as excinfo:
        adapter_for(adapter).parse(record, ref="t")
    assert excinfo.value.field == field


def test_ten_megabyte_post_is_refused_with_reason() -> None:
    huge = {
        "post_id": "p",
        "thread_id": "t",
        "author_id": "a",
        "created_at": "2026-01-01T00:00:00Z",
        "body": "A" * 10_000_000,
    }
    with pytest.raises(BadRecord, match="longer than") as excinfo:
        adapter_for("forum").parse(huge, ref="t")
    assert excinfo.value.field == "body" and "AAAA" not in str(excinfo.value)
