"""Social-media handles: ``@user`` (X, Instagram, Bluesky short form) and fediverse
``@user@instance.tld`` (Mastodon). A handle identifies a natural person directly."""

from __future__ import annotations

import re

from sphere.pii.document import Document
from sphere.pii.recognizer import PatternRecognizer


class SocialHandleRecognizer(PatternRecognizer):
    """``@name`` scores 0.8, ``@name@instance`` 0.9. E-mail addresses are not handles
    (the ``@`` must not follow a word character)."""

    NAME = "social_handle"
    ENTITY = "SOCIAL_HANDLE"
    BASE_SCORE = 0.8
    REQUIRES = re.compile("@")
    PATTERN = re.compile(
        r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,29}[A-Za-z0-9_])?"
        r"(?:@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24})?"
        r"(?![\w@])"
    )

    def validate(self, match: re.Match[str], doc: Document) -> float | None:
        if match.group().count("@") == 2:
            return 0.9
        if match.group()[1:].isdigit():  # "@10" is a time or a count, not a handle
            return None
        return self.BASE_SCORE
