"""The generated files: deterministic, counted as the manifest says, parseable, fictional."""

from __future__ import annotations

import csv
import html
import json
import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from sphere.demo import ScenarioManifest, ScenarioSize, generate_scenario
from sphere.demo._people import MASTODON_INSTANCES
from sphere.demo._text import template_counts
from sphere.domain import ConsentState, Purpose

Scenario = tuple[Path, ScenarioManifest]
JSONL = ("mastodon", "x", "facebook", "bluesky", "forum", "web", "mobile")
_EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
_ALLOWED_DOMAIN = re.compile(r"^(example\.(com|org|net)|optiklinse[\w-]*\.example)$")


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _good_json(path: Path) -> list[dict]:
    out = []
    for line in _lines(path):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def test_same_seed_gives_same_bytes(small_scenario: Scenario, tmp_path: Path) -> None:
    out, manifest = small_scenario
    again = generate_scenario(tmp_path, size=ScenarioSize(**manifest.size), seed=7)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name
    assert again.to_dict() == manifest.to_dict()


def test_other_seed_gives_other_content(small_scenario: Scenario, tmp_path: Path) -> None:
    out, manifest = small_scenario
    generate_scenario(tmp_path, size=ScenarioSize(**manifest.size), seed=8)
    assert (out / "x.jsonl").read_bytes() != (tmp_path / "x.jsonl").read_bytes()


def test_manifest_file_matches_returned_manifest(small_scenario: Scenario) -> None:
    out, manifest = small_scenario
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(manifest.to_dict()))
    assert {f["adapter"] for f in on_disk["files"]} == {"crm", *JSONL}
    assert all((out / f["path"]).is_file() for f in on_disk["files"])


def test_line_counts_and_malformed_lines_match_manifest(small_scenario: Scenario) -> None:
    out, manifest = small_scenario
    for adapter in JSONL:
        entry = manifest.file(adapter)
        lines = _lines(out / entry.path)
        assert len(lines) == entry.lines, adapter
        broken = 0
        for line in lines:
            try:
                json.loads(line)
            except json.JSONDecodeError:
                broken += 1
        # Only the deliberately broken lines fail to parse; the manifest says how many.
        assert broken == entry.malformed["broken_json"] == 2, adapter
        assert entry.expected_quarantine == 6, adapter


def test_social_record_counts_match_manifest(small_scenario: Scenario) -> None:
    out, manifest = small_scenario
    total_posts = 0
    for adapter in ("mastodon", "x", "facebook", "bluesky", "forum"):
        entry = manifest.file(adapter)
        items = _good_json(out / entry.path)
        if adapter == "x":
            tweets = sum(len(i["data"]) for i in items if isinstance(i["data"], list))
            deletes = sum(1 for i in items if isinstance(i["data"], dict))
            # malformed pages hold one tweet each (missing id / naive timestamp)
            assert tweets - 4 == entry.posts + entry.edits
            assert deletes == entry.deletes
        elif adapter == "facebook":
            comments = sum(len(i.get("comments", {}).get("data", [])) for i in items)
            assert len(items) - 4 + comments == entry.posts
        else:
            assert len(items) - 4 == entry.records
        assert entry.records == entry.posts + entry.edits + entry.deletes
        total_posts += entry.posts
    assert total_posts == manifest.size["posts"] == manifest.counts["posts"]
    assert manifest.file("web").records == manifest.size["web_events"]
    assert manifest.file("mobile").records == manifest.size["mobile_events"]


def test_crm_csv_rows(small_scenario: Scenario) -> None:
    out, manifest = small_scenario
    with (out / "crm_contacts.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    entry = manifest.file("crm")
    assert len(rows) == manifest.size["contacts"] + entry.expected_quarantine == entry.lines - 1
    numbers = [r["customer_number"] for r in rows if r["customer_number"]]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"K-\d{6}", n) for n in numbers)
    assert any(r["x_username"] for r in rows) and any(r["bluesky_did"] for r in rows)


def test_email_domains_are_fictional(small_scenario: Scenario) -> None:
    out, manifest = small_scenario
    seen = 0
    for path in out.iterdir():
        text = unquote(path.read_text(encoding="utf-8"))
        for match in _EMAIL.finditer(text):
            domain = match.group(1).lower()
            if domain in MASTODON_INSTANCES:
                continue  # a Mastodon acct (user@instance), not an e-mail address
            assert _ALLOWED_DOMAIN.match(domain), f"{path.name}: {domain}"
            seen += 1
    assert seen > manifest.size["contacts"]  # the CSV alone has one per contact


def test_bluesky_facet_offsets_are_utf8_bytes(small_scenario: Scenario) -> None:
    out, manifest = small_scenario
    checked = non_ascii_before_facet = 0
    for view in _good_json(out / manifest.file("bluesky").path):
        record = view.get("record")
        if not record or "text" not in record:
            continue
        raw = record["text"].encode("utf-8")
        for facet in record.get("facets", []):
            start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
            piece = raw[start:end].decode("utf-8")
            feature = facet["features"][0]
            if feature["$type"].endswith("#tag"):
                assert piece == "#" + feature["tag"]
            else:
                assert piece.startswith("@") and feature["did"].startswith("did:plc:")
            checked += 1
            non_ascii_before_facet += not raw[:start].isascii()
    assert checked > 100
    assert non_ascii_before_facet > 5  # the offsets were really exercised by umlauts/emoji


def test_x_entity_offsets_point_at_mentions_and_hashtags(small_scenario: Scenario) -> None:
    out, manifest = small_scenario
    checked = 0
    for page in _good_json(out / manifest.file("x").path):
        if not isinstance(page["data"], list):
            continue
        for tweet in page["data"]:
            text = html.unescape(tweet.get("text", ""))
            for m in tweet.get("entities", {}).get("mentions", []):
                assert text[m["start"] : m["end"]] == "@" + m["username"]
                checked += 1
            for h in tweet.get("entities", {}).get("hashtags", []):
                assert text[h["start"] : h["end"]] == "#" + h["tag"]
    assert checked > 100


def test_mastodon_statuses_look_like_the_api(small_scenario: Scenario) -> None:
    out, manifest = small_scenario
    statuses = [s for s in _good_json(out / manifest.file("mastodon").path) if "event" not in s]
    visibilities = {s.get("visibility") for s in statuses}
    assert visibilities == {"public", "unlisted", "private", "direct"}
    for status in statuses:
        if "id" not in status or not status["created_at"].endswith("Z"):
            continue  # the deliberately malformed ones
        assert status["content"].startswith("<p>")
        for mention in status["mentions"]:
            assert f"@<span>{html.escape(mention['username'])}</span>" in status["content"]
    events = [s for s in _good_json(out / manifest.file("mastodon").path) if "event" in s]
    updates = [e for e in events if e["event"] == "status.update"]
    assert len(updates) == manifest.file("mastodon").edits
    assert all(json.loads(e["payload"])["edited_at"] for e in updates)


def test_hostile_input_and_personal_data_are_present(small_scenario: Scenario) -> None:
    out, manifest = small_scenario
    everything = "".join(
        (out / manifest.file(a).path).read_text(encoding="utf-8") for a in JSONL[:5]
    )
    assert manifest.counts["hostile_posts"] > 0
    assert "<script>alert(1)</script>" in everything  # raw in Mastodon HTML / forum bodies
    assert re.search(r"B-2026-\d{6}", everything)
    assert re.search(r"K-\d{6}", everything)
    assert "Knie-OP" in everything or "knee surgery" in everything


def test_timestamps_lie_in_the_scenario_period(small_scenario: Scenario) -> None:
    out, manifest = small_scenario
    for view in _good_json(out / manifest.file("bluesky").path):
        created = view.get("record", {}).get("createdAt")
        if created and created.endswith("Z"):
            assert "2026-01-01" <= created[:10] <= "2026-11-28"
    for event in _good_json(out / manifest.file("web").path):
        if event["timestamp"].endswith("Z"):
            assert "2026-01-01" <= event["timestamp"][:10] <= "2026-11-28"


def test_mix_of_languages_kinds_and_linked_authors(small_scenario: Scenario) -> None:
    _, manifest = small_scenario
    counts = manifest.counts
    posts = counts["posts"]
    assert 0.5 < counts["posts_by_language"]["de"] / posts < 0.7
    kinds = counts["posts_by_kind"]
    by_people = posts - kinds["company_reply"] - kinds["company_post"]
    addressed = (kinds["addressed"] + kinds["direct"]) / by_people
    assert 0.30 < addressed < 0.45
    assert 0.30 < kinds["brand"] / by_people < 0.45
    assert 0.08 < kinds["private"] / by_people < 0.2
    linked = counts["posts_by_linked_authors"] / by_people
    assert 0.3 < linked < 0.5


def test_consent_seeds_are_consistent_with_the_crm(small_scenario: Scenario) -> None:
    out, manifest = small_scenario
    with (out / "crm_contacts.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["customer_number"]: r for r in csv.DictReader(handle)}
    purposes = {p.value for p in Purpose}
    states = {s.value for s in ConsentState}
    assert manifest.consents
    for seed in manifest.consents:
        assert seed.customer_number in rows
        assert seed.purpose in purposes and seed.state in states
        assert seed.recorded_at.endswith("Z")
    withdrawn = [s for s in manifest.consents if s.state == "withdrawn"]
    assert withdrawn
    for w in withdrawn:
        earlier = [
            s
            for s in manifest.consents
            if s.customer_number == w.customer_number
            and s.purpose == w.purpose
            and s.state == "given"
            and s.recorded_at <= w.recorded_at
        ]
        assert earlier, "a withdrawal follows a consent"
        row = rows[w.customer_number]
        assert row["consent_email"] == row["consent_newsletter"] == row["consent_phone"] == "false"
    given_now = [s for s in manifest.consents if s.channel == "web_form"]
    withdrawn_numbers = {w.customer_number for w in withdrawn}
    for seed in given_now:
        expected = "false" if seed.customer_number in withdrawn_numbers else "true"
        assert rows[seed.customer_number]["consent_email"] == expected


def test_company_profile_and_staff(small_scenario: Scenario) -> None:
    _, manifest = small_scenario
    accounts = manifest.company["accounts"]
    assert accounts["x"]["user_id"] == "1500000000000000001"
    assert accounts["mastodon"]["account_id"] == "109000000000000001"
    assert accounts["bluesky"]["did"] == "did:plc:optiklinse000000000000"
    assert manifest.company["page_ids"]["facebook"] == "1234567890"
    assert {s["role"] for s in manifest.staff} >= {"service", "marketing", "sales", "dpo"}
    assert all(s["email"].endswith("@optiklinse.example") for s in manifest.staff)


def test_enough_hand_written_templates() -> None:
    assert all(n >= 80 for n in template_counts().values())


def test_small_scenario_is_fast(tmp_path: Path) -> None:
    started = time.process_time()
    generate_scenario(tmp_path, size=ScenarioSize(200, 1000, 300, 100), seed=3)
    assert time.process_time() - started < 3.0


@pytest.mark.slow
def test_default_scenario_within_budget(tmp_path: Path) -> None:
    started = time.process_time()
    manifest = generate_scenario(tmp_path)
    assert time.process_time() - started < 15.0
    assert manifest.counts["posts"] == 30000
    assert 0.005 < manifest.contacts["employees"] / manifest.contacts["total"] < 0.02


def test_web_visitors_send_valid_tc_strings_and_gpc(small_scenario: Scenario) -> None:
    """The demo exercises the privacy signals: every TCF string decodes (IAB TCF v2.2
    core segment) and gives analytics consent for some visitors, not for others; some
    visitors send Global Privacy Control."""
    from sphere.consent.tcf import decode_tc_string, tcf_consent_for

    out, manifest = small_scenario
    events = _good_json(out / manifest.file("web").path)
    strings = [e["tcf_string"] for e in events if e.get("tcf_string")]
    assert strings and any(e.get("gpc") == "1" for e in events)
    states = {tcf_consent_for(decode_tc_string(s), Purpose.WEB_ANALYTICS) for s in strings}
    assert states == {ConsentState.GIVEN, ConsentState.NONE}
