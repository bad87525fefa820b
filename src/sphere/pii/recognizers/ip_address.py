"""IPv4 and IPv6 addresses, validated with ``ipaddress``.

An IP address is personal data (CJEU C-582/14 Breyer). Dotted version numbers look
like IPv4 ("Firmware 2.10.1.3"): "version", "firmware", "update", "build" … before, or
"installiert", "installed" … right after it ("hab 1.23.9.61 installiert", "running
11.23.1.34", "upgraded to 17.4.1.2") lower the score to 0.1; a "v" glued to the number
("v1.2.3.4") is no match at all.
"""

from __future__ import annotations

import ipaddress
import re

from sphere.pii.document import Document
from sphere.pii.recognizer import PatternRecognizer


class IpAddressRecognizer(PatternRecognizer):
    NAME = "ip_address"
    ENTITY = "IP_ADDRESS"
    BASE_SCORE = 0.7
    REQUIRES = re.compile(r"\d\.\d|:[0-9A-Fa-f]*:")
    PATTERN = re.compile(
        r"(?<![\w.:])(?:"
        r"(?:\d{1,3}\.){3}\d{1,3}"
        r"|(?=[0-9A-Fa-f:]*:[0-9A-Fa-f]*:)[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
        r"(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3})?"
        r")(?![\w.:]|\.\d)"
    )
    CONTEXT = ("ip", "ip-adresse", "ip address", "ipv4", "ipv6", "server", "host", "adresse")
    CONTEXT_SCORE = 0.95
    NEGATIVE_CONTEXT = (
        "version", "vers.", "ver.", "firmware", "update", "build", "release", "patch",
        "android", "ios", "windows", "macos", "app", "software", "treiber", "driver",
        "kernel", "bios", "v.", "installiert", "installieren", "installed", "install",
        "running", "upgraded", "upgrade", "aktualisiert", "downgrade", "downgraded",
        "changelog", "beta",
    )  # fmt: skip
    NEGATIVE_AFTER = 25
    NEGATIVE_SCORE = 0.1

    def validate(self, match: re.Match[str], doc: Document) -> float | None:
        value = match.group()
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return None
        if address.version == 6 and not any(c.isdigit() for c in value):
            return None  # "a::b" style words
        return self.BASE_SCORE
