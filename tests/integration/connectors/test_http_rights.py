"""An HTTP API system in the rights flow: its rows in the access export, an erasure
request carried out there — the API down at first (503: the task fails and is retried
after its back-off), then done and the request completed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sphere.domain import FrozenClock, IdentityKind
from sphere.portal.requests import carry_out, verify_request
from sphere.rights.access import access_report
from sphere.rights.requests import RequestType, get_request, open_request
from sphere.rights.systems import attempt_task, due_task_ids, request_tasks
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.repositories.contacts import ContactRepository
from tests.integration.connectors.conftest import FIXTURES
from tests.integration.connectors.fake_api import CLIENT_SECRET, ApiState, fake_api
from tests.runtimes import runtime_for_tests

EMAIL = "erika.muster@example.org"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, ApiState]]:
    monkeypatch.setenv("HELPDESK_CLIENT_SECRET", CLIENT_SECRET)
    with fake_api() as served:
        yield served


@pytest.fixture
def rt(
    settings: Settings, migrated_db_url: str, tmp_path: Path, api: tuple[str, ApiState]
) -> Iterator[Runtime]:
    directory = tmp_path / "connectors"
    directory.mkdir()
    text = (FIXTURES / "helpdesk.yaml").read_text(encoding="utf-8")
    (directory / "helpdesk.yaml").write_text(
        text.replace("https://desk.example.com", api[0]), encoding="utf-8"
    )
    settings = settings.model_copy(update={"connectors_dir": directory})
    with runtime_for_tests(settings, migrated_db_url, sources=(), clock=FrozenClock()) as r:
        yield r


def _erika(rt: Runtime) -> str:
    with rt.session() as session:
        contacts = ContactRepository(session, rt.keyring)
        contact = contacts.create(at=rt.clock.now())
        contacts.add_identity(contact.id, IdentityKind.EMAIL, EMAIL, at=rt.clock.now())
        return contact.id


def test_access_and_erasure_through_the_api(rt: Runtime, api: tuple[str, ApiState]) -> None:
    _, state = api
    contact_id = _erika(rt)
    systems = rt.connected_systems()
    assert systems.names() == ("helpdesk",)
    with rt.session() as session:
        report = access_report(
            session, rt.keyring, rt.policy(), contact_id, now=rt.clock.now(), systems=systems
        )
    [section] = report["connected_systems"]
    assert section["status"] == "ok" and len(section["tables"]["contacts"]) == 3

    with rt.session() as session:
        request = open_request(
            session, rt.keyring, contact_id, RequestType.ERASURE, at=rt.clock.now(), actor="dpo"
        )
        verify_request(session, request.id, at=rt.clock.now(), actor="dpo")
    state.faults = [(503, {})]  # the API is down for the first attempt
    with rt.session() as session:
        done = carry_out(
            session, rt.keyring, rt.policy(), request.id, at=rt.clock.now(), actor="dpo",
            systems=systems,
        )  # fmt: skip
    assert done.open_systems == ("helpdesk",)
    with rt.session() as session:
        [task] = request_tasks(session, request.id)
        assert task.state == "failed"
        assert (
            task.last_error is not None and "access: the API failed (HTTP 503)" in task.last_error
        )
        assert EMAIL not in task.last_error
    assert len(state.contacts) == 4
    clock = rt.clock
    assert isinstance(clock, FrozenClock)
    assert task.next_attempt_at is not None
    clock.advance(task.next_attempt_at - clock.now())
    with rt.session() as session:
        for task_id in due_task_ids(session, at=clock.now()):
            attempt_task(session, rt.keyring, systems, task_id, at=clock.now(), actor="retry")
    with rt.session() as session:
        [task] = request_tasks(session, request.id)
        assert task.state == "done" and task.result is not None
        assert task.result["done"]["tables"][0]["deleted"] == 3
        assert get_request(session, request.id).state == "completed"
        assert EMAIL not in json.dumps(task.result)
    assert sorted(state.contacts) == [4]
