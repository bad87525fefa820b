"""Staff and request lookups find a contact however the identifier is written: phone
numbers in any national or international form (read in the company's region), e-mail
addresses in any case, handles with or without ``@`` — always through the blind indexes
of the forms the identifier was stored in, never by listing contacts."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphere.accounts import Role
from sphere.cockpit.contacts import find_for_staff
from sphere.rights.subject import find_contacts, phone_forms
from sphere.runtime import Runtime
from tests.factories import CRM_HEADER, crm_row
from tests.integration.rights.scenario import ingest


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0911-953-63863", "091195363863"),  # the CRM's form, stored without separators
        ("+49 911 95363863", "091195363863"),
        ("0049 911 95363863", "091195363863"),
        ("+49 (0)911 95363863", "091195363863"),
        ("0911 95363863", "+4991195363863"),  # stored internationally, typed nationally
        ("0911/95363863", "+49091195363863"),  # stored as "+49 (0)911 …"
    ],
    ids=["crm-form", "international", "double-zero", "trunk-in-brackets", "e164", "ndd-kept"],
)
def test_phone_forms_cover_the_stored_form(typed: str, stored: str) -> None:
    assert stored in phone_forms(typed, "DE")


def test_phone_forms_without_a_valid_number_keep_what_was_typed() -> None:
    assert phone_forms("0911-95", "DE") == ["091195"]  # too short: no number of Germany
    assert "091195363863" in phone_forms("+49 911 95363863", None)  # needs no region


def test_staff_find_a_contact_by_phone_email_and_handle_as_people_write_them(
    rt: Runtime, tmp_path: Path
) -> None:
    crm = tmp_path / "crm.csv"
    crm.write_text(
        CRM_HEADER
        + crm_row(
            "K-2001",
            "Jana.Probe@example.com",
            mastodon="@jana@photo.example",
            phone="0911-953-63863",
        )
        + crm_row("K-2002", "otto.probe@example.org", phone="+49 (0)30 1234567"),
        encoding="utf-8",
    )
    ingest(rt, crm, "crm")
    with rt.session() as session:
        jana = find_contacts(session, rt.keyring, "K-2001")[0].id
        otto = find_contacts(session, rt.keyring, "K-2002")[0].id
        for typed, who in [
            ("0911-953-63863", jana),
            ("0911 95363863", jana),
            ("+49 911 95363863", jana),
            ("+49 (0)911 953 638 63", jana),
            ("JANA.PROBE@EXAMPLE.COM", jana),
            ("jana@photo.example", jana),
            ("@jana@photo.example", jana),
            ("mastodon:@jana@photo.example", jana),
            ("030 1234567", otto),
            ("+49 30 1234567", otto),
        ]:
            hits = find_for_staff(
                session,
                rt.keyring,
                typed,
                role=Role.AGENT,
                actor="agent:test",
                at=rt.clock.now(),
                region="DE",
            )
            assert [h.contact_id for h in hits] == [who], typed
        # without the region a national number is not read as a phone number
        assert find_contacts(session, rt.keyring, "0911 95363863") == []
