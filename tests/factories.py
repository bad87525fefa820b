"""Fictional test data in real payload shapes (Mastodon Status entities, CRM rows).

Every name, handle and address here is made up; e-mail domains are RFC 2606 ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

COMPANY_YAML = """\
name: Optiklinse GmbH
accounts:
  mastodon: [optiklinse@photo.example, optiklinse, "109000000000000001"]
  x: [optiklinse, "1500000000000000001"]
brands: [Optiklinse]
products: [Tele 70-200, Makro 100]
hashtags: [optiklinse]
page_ids: ["1234567890"]
"""

_COMPANY_MENTION = (
    '<span class="h-card"><a href="https://photo.example/@optiklinse" class="u-url mention">'
    "@<span>optiklinse</span></a></span>"
)


def mastodon_status(
    status_id: str,
    html: str,
    *,
    account_id: str = "200000000000000001",
    username: str = "lena_fotografie",
    visibility: str = "public",
    mention_company: bool = False,
    language: str = "de",
    created_at: str = "2026-05-01T10:00:00.000Z",
) -> dict[str, Any]:
    content = f"<p>{_COMPANY_MENTION} {html}</p>" if mention_company else f"<p>{html}</p>"
    mentions = (
        [
            {
                "id": "109000000000000001",
                "username": "optiklinse",
                "acct": "optiklinse",
                "url": "https://photo.example/@optiklinse",
            }
        ]
        if mention_company
        else []
    )
    return {
        "id": status_id,
        "created_at": created_at,
        "edited_at": None,
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": visibility,
        "language": language,
        "uri": f"https://photo.example/users/{username}/statuses/{status_id}",
        "url": f"https://photo.example/@{username}/{status_id}",
        "content": content,
        "reblog": None,
        "account": {
            "id": account_id,
            "username": username,
            "acct": username,
            "display_name": "Lena",
            "url": f"https://photo.example/@{username}",
        },
        "media_attachments": [],
        "mentions": mentions,
        "tags": [],
        "emojis": [],
    }


def mastodon_delete(status_id: str) -> dict[str, Any]:
    return {"event": "delete", "payload": status_id}


CRM_HEADER = (
    "customer_number,email,phone,first_name,last_name,language,consent_email,consent_phone,"
    "consent_newsletter,updated_at,is_employee,mastodon_acct,mastodon_account_id\n"
)


def crm_row(
    number: str,
    email: str,
    *,
    mastodon: str = "",
    mastodon_id: str = "",
    newsletter: str = "",
    employee: str = "false",
    phone: str | None = None,
) -> str:
    """One CRM row; the phone number is made up from the customer number unless given."""
    phone = phone or "+49 30 " + "".join(ch for ch in number if ch.isdigit()).rjust(7, "0")
    return (
        f"{number},{email},{phone},Lena,Beispiel,de,,,{newsletter},"
        f"2026-04-01T09:00:00+02:00,{employee},{mastodon},{mastodon_id}\n"
    )


def write_jsonl(path: Path, records: list[dict[str, Any] | str]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            line = record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)
            handle.write(line + "\n")
    return path
