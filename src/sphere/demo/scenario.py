"""Generate the demo scenario: realistic channel payload files for Optiklinse GmbH.

``generate_scenario(out_dir)`` writes one file per channel (CRM CSV, Mastodon, X,
Facebook, Bluesky, forum, web and mobile events) plus ``manifest.json``. Files are
streamed to disk and byte-identical for the same seed (and Faker version). Every
person, domain and id is fictional. The files are meant to go through the real
pipeline: they contain the personal data, hostile markup and malformed lines a
production feed contains, in counts the manifest states. See ``docs/demo.md``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from sphere.demo import _bluesky, _facebook, _forum, _mastodon, _x
from sphere.demo._company import (
    BLUESKY_DID,
    BLUESKY_HANDLE,
    BRAND,
    FACEBOOK_PAGE_ID,
    MASTODON_ACCOUNT_ID,
    MASTODON_DOMAIN,
    MASTODON_USERNAME,
    STAFF,
    X_USER_ID,
    X_USERNAME,
    company_profile,
)
from sphere.demo._crm import consent_history, has_handle, write_contacts
from sphere.demo._events import mobile_events, web_events
from sphere.demo._people import Contact, Pools, draw_pools, make_contacts
from sphere.demo._plan import (
    PERIOD_END,
    PERIOD_START,
    Account,
    ChannelMix,
    PlannedPost,
    linked_accounts,
    plan_posts,
    unknown_accounts,
)
from sphere.demo._text import Composer, template_counts
from sphere.demo._wire import FileStats
from sphere.demo.manifest import FileEntry, ScenarioManifest

DEFAULT_SEED = 20261129

Renderer = Callable[[Iterable[PlannedPost], random.Random, FileStats, int], Iterator[str]]


@dataclass(frozen=True, slots=True)
class ScenarioSize:
    """How much to generate. ``posts`` is spread over the five social channels."""

    contacts: int = 3000
    posts: int = 30000
    web_events: int = 8000
    mobile_events: int = 3000


@dataclass(frozen=True, slots=True)
class _SocialChannel:
    name: str
    file: str
    share: float
    mix: ChannelMix
    company: Account
    render: Renderer


def _company_account(user_id: str, username: str, *, domain: str = "") -> Account:
    return Account(user_id, username, BRAND, BRAND, "de", domain=domain, is_company=True)


def _channels() -> tuple[_SocialChannel, ...]:
    return (
        _SocialChannel(
            "mastodon",
            "mastodon.jsonl",
            0.25,
            ChannelMix(0.26, 0.05, 0.33, 0.20, 0.08, 0.06, 0.02),
            _company_account(MASTODON_ACCOUNT_ID, MASTODON_USERNAME, domain=MASTODON_DOMAIN),
            _mastodon.render,
        ),
        _SocialChannel(
            "x",
            "x.jsonl",
            0.30,
            ChannelMix(0.30, 0.0, 0.36, 0.14, 0.10, 0.07, 0.03, private_needs_protected=True),
            _company_account(X_USER_ID, X_USERNAME),
            _x.render,
        ),
        _SocialChannel(
            "facebook",
            "facebook.jsonl",
            0.15,
            ChannelMix(
                0.45, 0.0, 0.20, 0.0, 0.07, 0.15, 0.13, reply_to_company=0.85, reply_to_any=0.6
            ),
            _company_account(FACEBOOK_PAGE_ID, ""),
            _facebook.render,
        ),
        _SocialChannel(
            "bluesky",
            "bluesky.jsonl",
            0.15,
            ChannelMix(0.30, 0.0, 0.45, 0.0, 0.15, 0.07, 0.03),
            _company_account(BLUESKY_DID, BLUESKY_HANDLE),
            _bluesky.render,
        ),
        _SocialChannel(
            "forum",
            "forum.jsonl",
            0.15,
            ChannelMix(0.40, 0.0, 0.30, 0.12, 0.08, 0.08, 0.02, reply_to_any=0.4),
            Account("u-1", "optiklinse-team", "Optiklinse Team", BRAND, "de", is_company=True),
            _forum.render,
        ),
    )


def _split(total: int, shares: list[float]) -> list[int]:
    counts = [int(total * s) for s in shares]
    counts[0] += total - sum(counts)
    return counts


def _write_lines(path: Path, lines: Iterator[str], stats: FileStats) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            handle.write(line)
            handle.write("\n")
            stats.lines += 1


def _entry(path: str, adapter: str, fmt: str, stats: FileStats) -> FileEntry:
    return FileEntry(
        path=path,
        adapter=adapter,
        format=fmt,
        records=stats.records,
        lines=stats.lines,
        posts=stats.posts,
        edits=stats.edits,
        deletes=stats.deletes,
        hostile=stats.hostile,
        linked_records=stats.linked_author_posts,
        malformed=dict(sorted(stats.malformed.items())),
        kinds=dict(sorted(stats.kinds.items())),
        languages=dict(sorted(stats.languages.items())),
    )


def _social(
    out_dir: Path,
    channel: _SocialChannel,
    n: int,
    seed: int,
    contacts: list[Contact],
    pools: Pools,
    composer: Composer,
) -> FileEntry:
    rng = random.Random(f"{seed}:{channel.name}")
    linked = linked_accounts(channel.name, contacts)
    unknown = unknown_accounts(channel.name, max(50, n // 4), rng, pools)
    plan = plan_posts(
        rng,
        n,
        mix=channel.mix,
        company=channel.company,
        linked=linked,
        unknown=unknown,
        composer=composer,
    )
    stats = FileStats()
    _write_lines(out_dir / channel.file, channel.render(plan, rng, stats, n), stats)
    return _entry(channel.file, channel.name, "jsonl", stats)


def _contacts_summary(contacts: list[Contact]) -> dict[str, object]:
    def count(pred: Callable[[Contact], bool]) -> int:
        return sum(1 for c in contacts if pred(c))

    return {
        "total": len(contacts),
        "languages": {
            "de": count(lambda c: c.language == "de"),
            "en": count(lambda c: c.language == "en"),
        },
        "employees": count(lambda c: c.is_employee),
        "with_any_handle": count(has_handle),
        "handles": {
            "x": count(lambda c: bool(c.x_username)),
            "mastodon": count(lambda c: bool(c.mastodon_acct)),
            "bluesky": count(lambda c: bool(c.bluesky_handle)),
            "facebook": count(lambda c: bool(c.facebook_user_id)),
            "forum": count(lambda c: bool(c.forum_user_id)),
        },
        "customer_number_range": [contacts[0].customer_number, contacts[-1].customer_number]
        if contacts
        else [],
    }


def _counts(files: list[FileEntry]) -> dict[str, object]:
    social = [f for f in files if f.posts]
    posts = sum(f.posts for f in social)
    kinds: dict[str, int] = {}
    langs: dict[str, int] = {}
    for f in social:
        for k, v in f.kinds.items():
            kinds[k] = kinds.get(k, 0) + v
        for k, v in f.languages.items():
            langs[k] = langs.get(k, 0) + v
    return {
        "posts": posts,
        "posts_by_kind": dict(sorted(kinds.items())),
        "posts_by_language": dict(sorted(langs.items())),
        "posts_by_linked_authors": sum(f.linked_records for f in social),
        "records": sum(f.records for f in files),
        "expected_quarantine": sum(f.expected_quarantine for f in files),
        "hostile_posts": sum(f.hostile for f in files),
        "edits": sum(f.edits for f in files),
        "deletes": sum(f.deletes for f in files),
    }


def generate_scenario(
    out_dir: Path, *, size: ScenarioSize | None = None, seed: int = DEFAULT_SEED
) -> ScenarioManifest:
    """Write the scenario files into ``out_dir`` (created if missing) and return the manifest.

    Same ``seed`` and ``size`` → the same bytes. The default size runs in a few seconds.
    """
    size = size or ScenarioSize()
    out_dir.mkdir(parents=True, exist_ok=True)
    pools = draw_pools(seed)
    contacts = make_contacts(size.contacts, random.Random(f"{seed}:contacts"), pools)
    files: list[FileEntry] = []

    crm_stats = FileStats()
    write_contacts(out_dir / "crm_contacts.csv", contacts, random.Random(f"{seed}:crm"), crm_stats)
    files.append(_entry("crm_contacts.csv", "crm", "csv", crm_stats))

    composer = Composer(pools)
    channels = _channels()
    counts = _split(size.posts, [c.share for c in channels])
    for channel, n in zip(channels, counts, strict=True):
        files.append(_social(out_dir, channel, n, seed, contacts, pools, composer))

    for name, fn, n in (
        ("web", web_events, size.web_events),
        ("mobile", mobile_events, size.mobile_events),
    ):
        stats = FileStats()
        rng = random.Random(f"{seed}:{name}")
        _write_lines(out_dir / f"{name}_events.jsonl", fn(n, rng, contacts, stats), stats)
        files.append(_entry(f"{name}_events.jsonl", name, "jsonl", stats))

    manifest = ScenarioManifest(
        seed=seed,
        size=asdict(size),
        period={
            "start": PERIOD_START.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": PERIOD_END.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        company=company_profile(),
        staff=[s.to_dict() for s in STAFF],
        files=files,
        contacts=_contacts_summary(contacts),
        consents=consent_history(contacts, random.Random(f"{seed}:consent")),
        counts=_counts(files),
        templates=template_counts(),
    )
    manifest.write(out_dir / "manifest.json")
    return manifest
