"""The controller profile in company.yaml (``controller:``): read, checked with the
file, line, column and field of each problem; shown as Art. 30(1)(a) in DPV JSON-LD."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphere.channels.company import load_company_profile
from sphere.cockpit.record import controller_jsonld
from sphere.dsr.notice import Party
from sphere.errors import InvalidInput
from sphere.rights.notices import notice_parties

GOOD = """\
name: Optiklinse GmbH
privacy_contact: datenschutz@optiklinse.example
accounts:
  x: [optiklinse]
controller:
  address: Optikerweg 7, 80999 München
  representative: Katrin Albrecht (Geschäftsführerin)
  dpo:
    name: Dr. Henrike Vogt
    email: dsb@optiklinse.example
  supervisory_authority:
    name: Bayerisches Landesamt für Datenschutzaufsicht
    address: Promenade 18, 91522 Ansbach
    url: https://www.lda.bayern.de
"""


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "company.yaml"
    path.write_text(text, encoding="utf-8")
    return load_company_profile(path)


def test_profile_read(tmp_path: Path) -> None:
    profile = _load(tmp_path, GOOD).controller
    assert profile.name == "Optiklinse GmbH"
    assert profile.contact == "dsb@optiklinse.example"  # the DPO's address wins
    assert profile.supervisory_authority.url == "https://www.lda.bayern.de"
    assert profile.missing == ()


def test_old_file_without_controller_still_loads(tmp_path: Path) -> None:
    profile = _load(tmp_path, GOOD.split("controller:")[0]).controller
    assert profile.contact == "datenschutz@optiklinse.example"
    assert profile.missing == (
        "controller.address", "controller.representative", "controller.supervisory_authority",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("dsb@optiklinse.example", "dsb-at-x", ":10:5: controller.dpo.email: not an e-mail"),
        ("https://www.lda.bayern.de", "lda.bayern.de", ":14:5: controller.supervisory_authority"),
        ("  representative:", "  represent:", ":7:3: controller: unknown key(s) represent"),
        ("    name: Bayerisches Landesamt für Datenschutzaufsicht\n", "",
         ":11:3: controller.supervisory_authority.name: the authority's name is missing"),
        ("  dpo:\n    name: Dr. Henrike Vogt\n    email: dsb@optiklinse.example\n",
         "  dpo: dsb@optiklinse.example\n", ":8:3: controller.dpo: expected a mapping"),
    ],
    ids=["bad-email", "url-without-scheme", "unknown-key", "authority-without-name",
         "dpo-not-a-mapping"],
)  # fmt: skip
def test_errors_name_line_and_field(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in GOOD
    with pytest.raises(InvalidInput) as caught:
        _load(tmp_path, GOOD.replace(old, new))
    assert expected in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path / "company.yaml"))


def test_dpv_terms_and_notice_parties(tmp_path: Path) -> None:
    profile = _load(tmp_path, GOOD).controller
    node = controller_jsonld(profile)
    assert node["@type"] == "dpv:DataController"
    assert node["dpv:hasDataProtectionOfficer"]["dpv:hasContact"] == ["dsb@optiklinse.example"]
    assert node["dpv:hasAuthority"]["@type"] == "dpv:SupervisoryAuthority"
    assert node["dpv:hasRepresentative"]["dpv:hasName"].startswith("Katrin")
    parties = notice_parties(profile)
    assert parties is not None
    assert parties.supervisory_authority.name.startswith("Bayerisches")
    assert parties.dpo == Party("Dr. Henrike Vogt", "dsb@optiklinse.example")
    override = notice_parties(profile, supervisory_authority=Party("BfDI", "bonn"))
    assert override is not None and override.supervisory_authority.name == "BfDI"
    bare = _load(tmp_path, GOOD.split("controller:")[0]).controller
    assert notice_parties(bare) is None  # no authority: the CLI asks for --authority
