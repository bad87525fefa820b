"""The fictional company of the demo: Optiklinse GmbH, a camera-lens maker in Munich.

Everything here is invented. Domains end in ``.example`` (RFC 2606), account ids
are made up, and the staff are fictional. The values are data, kept as tuples and
returned as fresh dicts so that no caller can change them for another.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPANY_NAME = "Optiklinse GmbH"
BRAND = "Optiklinse"
COMPANY_DOMAIN = "optiklinse.example"
CUSTOMER_MAIL_DOMAIN = "optiklinse-kunde.example"

X_USERNAME = "optiklinse"
X_USER_ID = "1500000000000000001"
MASTODON_USERNAME = "optiklinse"
MASTODON_DOMAIN = "photo.example"
MASTODON_ACCOUNT_ID = "109000000000000001"
BLUESKY_HANDLE = "optiklinse.example"
BLUESKY_DID = "did:plc:optiklinse000000000000"
FACEBOOK_PAGE_ID = "1234567890"
FORUM_HOST = "forum.optiklinse.example"

# (name, product line, hashtag)
PRODUCTS: tuple[tuple[str, str, str], ...] = (
    ("Tele 70-200", "telephoto", "tele70200"),
    ("Weitwinkel 14mm", "wide-angle", "weitwinkel14"),
    ("Makro 100", "macro", "makro100"),
    ("Portrait 85 f/1.4", "portrait", "portrait85"),
    ("Zoom 24-70", "zoom", "zoom2470"),
    ("Fisheye 8mm", "wide-angle", "fisheye8"),
)
PRODUCT_LINES: tuple[str, ...] = ("telephoto", "wide-angle", "macro", "portrait", "zoom")
HASHTAGS: tuple[str, ...] = ("optiklinse", "tele70200", "makro100")


@dataclass(frozen=True, slots=True)
class StaffUser:
    """A fictional employee who will log in to the demo cockpit."""

    name: str
    role: str  # service | marketing | sales | social_media | dpo
    email: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role, "email": self.email}


STAFF: tuple[StaffUser, ...] = (
    StaffUser("Miriam Sommer", "service", f"miriam.sommer@{COMPANY_DOMAIN}"),
    StaffUser("Tobias Engel", "service", f"tobias.engel@{COMPANY_DOMAIN}"),
    StaffUser("Lena Hofbauer", "marketing", f"lena.hofbauer@{COMPANY_DOMAIN}"),
    StaffUser("Ralf Niedermeier", "sales", f"ralf.niedermeier@{COMPANY_DOMAIN}"),
    StaffUser("Aylin Korkmaz", "social_media", f"aylin.korkmaz@{COMPANY_DOMAIN}"),
    StaffUser("Dr. Henrike Vogt", "dpo", f"datenschutz@{COMPANY_DOMAIN}"),
)

# Initials service staff sign their public replies with (a social-media habit).
SIGNATURES: tuple[str, ...] = ("^MS", "^TE", "^AK")


def company_profile() -> dict[str, object]:
    """The company as plain data, for the manifest and for seeding the demo database."""
    return {
        "name": COMPANY_NAME,
        "brand": BRAND,
        "city": "München",
        "country": "DE",
        "domain": COMPANY_DOMAIN,
        "customer_mail_domain": CUSTOMER_MAIL_DOMAIN,
        "departments": ["service", "marketing", "sales", "social_media", "dpo"],
        "accounts": {
            "x": {"username": X_USERNAME, "user_id": X_USER_ID},
            "mastodon": {
                "acct": f"{MASTODON_USERNAME}@{MASTODON_DOMAIN}",
                "username": MASTODON_USERNAME,
                "account_id": MASTODON_ACCOUNT_ID,
                "url": f"https://{MASTODON_DOMAIN}/@{MASTODON_USERNAME}",
            },
            "bluesky": {"handle": BLUESKY_HANDLE, "did": BLUESKY_DID},
            "facebook": {"page_id": FACEBOOK_PAGE_ID, "name": BRAND},
            "forum": {"url": f"https://{FORUM_HOST}/"},
        },
        "brands": [BRAND],
        "products": [{"name": n, "line": line, "hashtag": t} for n, line, t in PRODUCTS],
        "product_lines": list(PRODUCT_LINES),
        "hashtags": list(HASHTAGS),
        "page_ids": {"facebook": FACEBOOK_PAGE_ID},
    }
