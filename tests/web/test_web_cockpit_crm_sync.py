"""The cockpit's "CRM sync" section lists the failing entries with their reasons: a
record the CRM refused, by id, with the column and constraint the target named
(escaped: the target's names are not ours)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from sphere.accounts import Role
from sphere.domain import FrozenClock
from sphere.settings import Settings
from sphere.storage.crm_sync_tables import CrmOutboxRow
from sphere.storage.db import make_session_factory, session_scope
from tests.integration.crm_sync.test_crm_sync import SYNC_YAML, TABLE

REASON = "record r-1 refused: column body (text) constraint <b>short</b>: IntegrityError: …"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    directory = tmp_path / "connectors"
    directory.mkdir()
    with sqlite3.connect(directory / "crm.sqlite") as db:
        db.execute(TABLE)
    (directory / "crm.yaml").write_text(SYNC_YAML, encoding="utf-8")
    return settings.model_copy(update={"connectors_dir": directory})


def test_refused_record_shows_with_its_reason(
    client: TestClient,
    fresh_engine: Engine,
    clock: FrozenClock,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
) -> None:
    with session_scope(make_session_factory(fresh_engine)) as db:
        db.execute(insert(CrmOutboxRow), [
            {"record_type": "interaction", "record_id": "r-1", "op": "push",
             "state": "dead_letter", "attempts": 2, "last_error": REASON,
             "created_at": clock.now()},
            {"record_type": "event", "record_id": "r-2", "op": "push", "state": "pending",
             "attempts": 0, "created_at": clock.now()},
        ])  # fmt: skip
    make_user("dpo@example.com", role=Role.DPO)
    api_login("dpo@example.com")
    page = client.get("/cockpit/systems")
    assert page.status_code == 200
    assert (
        'class="stack crm-sync-failing"' in page.text
        and '<code translate="no">r-1</code>' in page.text
    )
    assert "constraint &lt;b&gt;short&lt;/b&gt;" in page.text and "<b>short</b>" not in page.text
    assert "r-2" not in page.text  # pending: not failing
