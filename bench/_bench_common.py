"""Shared pieces of the ingestion benchmark and the constant-memory test.

``write_mastodon_file`` spells the demo scenario's plan (same templates, people, personal
data inside the text, hostile markup, edits, deletes and malformed lines) as Mastodon
Status entities, one per line — only the Mastodon channel, so N posts take seconds to
generate instead of generating the whole five-channel scenario. Same ``n``, ``contacts``
and ``seed`` → the same bytes. ``bench_settings`` and ``prepare_home`` give a Runtime the
company profile and source a demo run would have.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from pathlib import Path

from sphere.demo import _mastodon
from sphere.demo._company import company_profile
from sphere.demo._crm import write_contacts
from sphere.demo._people import draw_pools, make_contacts
from sphere.demo._plan import linked_accounts, plan_posts, unknown_accounts
from sphere.demo._text import Composer
from sphere.demo._wire import FileStats
from sphere.demo.run import company_yaml
from sphere.demo.scenario import DEFAULT_SEED, _channels
from sphere.governance.sources import add_source
from sphere.runtime import Runtime
from sphere.settings import Settings, load_settings

# Fixed, made-up benchmark secrets (never used outside a throw-away benchmark database).
BENCH_MASTER_KEY = base64.b64encode(bytes(range(1, 33))).decode("ascii")
BENCH_PSEUDONYM_SECRET = "bench-pseudonym-secret-not-for-production"
BENCH_AUDIT_KEY = base64.b64encode(bytes(range(101, 133))).decode("ascii")
MASTODON_SOURCE = "bench-mastodon"
CRM_SOURCE = "bench-crm"


@dataclass(frozen=True, slots=True)
class GeneratedFiles:
    posts: Path
    crm: Path | None
    lines: int
    statuses: int
    malformed: int
    edits: int
    deletes: int


def write_mastodon_file(
    out_dir: Path, n: int, *, contacts: int = 0, seed: int = DEFAULT_SEED
) -> GeneratedFiles:
    """Write ``n`` planned Mastodon posts (plus the scenario's few edits, deletes and six
    malformed lines) to ``out_dir``; with ``contacts`` also the CRM CSV of those people,
    about 40 % of whose Mastodon accounts author posts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pools = draw_pools(seed)
    people = make_contacts(contacts, random.Random(f"{seed}:contacts"), pools) if contacts else []
    crm: Path | None = None
    if people:
        crm = out_dir / "crm_contacts.csv"
        write_contacts(crm, people, random.Random(f"{seed}:crm"), FileStats())
    channel = _channels()[0]
    assert channel.name == "mastodon"
    rng = random.Random(f"{seed}:mastodon")
    plan = plan_posts(
        rng,
        n,
        mix=channel.mix,
        company=channel.company,
        linked=linked_accounts("mastodon", people),
        unknown=unknown_accounts("mastodon", max(50, n // 4), rng, pools),
        composer=Composer(pools),
    )
    stats = FileStats()
    path = out_dir / "mastodon.jsonl"
    tmp = path.with_suffix(".partial")
    with tmp.open("w", encoding="utf-8", newline="\n") as handle:
        for line in _mastodon.render(plan, rng, stats, n):
            handle.write(line)
            handle.write("\n")
            stats.lines += 1
    tmp.replace(path)
    return GeneratedFiles(
        posts=path,
        crm=crm,
        lines=stats.lines,
        statuses=stats.posts,
        malformed=sum(stats.malformed.values()),
        edits=stats.edits,
        deletes=stats.deletes,
    )


def bench_settings(home: Path, database_url: str, *, batch_size: int = 500) -> Settings:
    return load_settings(
        env="test",
        home=home,
        database_url=database_url,
        master_key=BENCH_MASTER_KEY,
        pseudonym_secret=BENCH_PSEUDONYM_SECRET,
        batch_size=batch_size,
    )


def write_company_profile(home: Path) -> None:
    """The demo company's accounts, brands and hashtags, so addressing is classified."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "company.yaml").write_text(company_yaml(company_profile()), encoding="utf-8")


def register_sources(rt: Runtime) -> None:
    with rt.session() as session:
        add_source(
            session,
            MASTODON_SOURCE,
            channel="mastodon",
            collection="official_api",
            actor="bench",
            at=rt.clock.now(),
        )
        add_source(
            session,
            CRM_SOURCE,
            channel="crm",
            collection="export",
            actor="bench",
            at=rt.clock.now(),
        )
