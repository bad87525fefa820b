"""A runtime on a migrated database (SQLite and PostgreSQL) seeded through the real
pipeline: a CRM export with one customer and one employee, and Mastodon posts that end
up linked (customer care, enrichment), pseudonymised, or only counted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sphere.pipeline.runner import ingest_file
from sphere.runtime import Runtime
from sphere.settings import Settings
from tests.factories import CRM_HEADER, crm_row, mastodon_status, write_jsonl
from tests.runtimes import runtime_for_tests


@pytest.fixture
def rt(settings: Settings, migrated_db_url: str) -> Iterator[Runtime]:
    with runtime_for_tests(settings, migrated_db_url) as runtime:
        yield runtime


def seed(rt: Runtime, tmp_path: Path) -> None:
    crm = tmp_path / "crm.csv"
    crm.write_text(
        CRM_HEADER
        + crm_row(
            "K-1001",
            "lena.beispiel@example.com",
            mastodon="lena_fotografie",
            mastodon_id="200000000000000001",
            newsletter="true",
        )
        + crm_row(
            "K-1002",
            "max.muster@example.org",
            mastodon="max_m",
            mastodon_id="200000000000000002",
            employee="true",
        ),
        encoding="utf-8",
    )
    ingest_file(rt.factory, rt.pipeline_context(), crm, source_name="crm")
    posts = write_jsonl(
        tmp_path / "posts.jsonl",
        [
            # the customer asks the company: customer care, linked
            mastodon_status("101", "mein Tele 70-200 klappert, was tun?", mention_company=True),
            # a stranger asks the company: customer care, pseudonymised
            mastodon_status(
                "102",
                "Wann kommt das Makro 100?",
                account_id="999",
                username="fremd",
                mention_company=True,
            ),
            # the customer talks about the product in public: enrichment
            mastodon_status("103", "Das Makro 100 von Optiklinse ist wirklich scharf"),
            # a stranger talks in public: aggregate only
            mastodon_status(
                "104", "Optiklinse Tele 70-200 gesehen", account_id="998", username="andere"
            ),
        ],
    )
    ingest_file(rt.factory, rt.pipeline_context(), posts, source_name="masto")


@pytest.fixture
def seeded(rt: Runtime, tmp_path: Path) -> Runtime:
    seed(rt, tmp_path)
    return rt
