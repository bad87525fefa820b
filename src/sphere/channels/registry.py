"""The adapter registry: an instance built by :func:`build_registry`, never a global.

Third-party adapters register the same way the built-ins do (``registry.register``).
"""

from __future__ import annotations

from sphere.domain import Clock
from sphere.errors import InvalidInput

from .adapter import Adapter
from .bluesky import BlueskyAdapter
from .crm import CrmAdapter
from .facebook import FacebookAdapter
from .forum import ForumAdapter
from .mastodon import MastodonAdapter
from .tracking import MobileEventAdapter, WebEventAdapter
from .x import XAdapter


class AdapterRegistry:
    def __init__(self) -> None:
        self._adapters: dict[str, Adapter] = {}

    def register(self, adapter: Adapter) -> None:
        if adapter.NAME in self._adapters:
            raise InvalidInput(f"adapter {adapter.NAME!r} is already registered")
        self._adapters[adapter.NAME] = adapter

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._adapters))

    def get(self, name: str) -> Adapter:
        try:
            return self._adapters[name]
        except KeyError:
            raise InvalidInput(
                f"unknown channel adapter {name!r}; known: {', '.join(self.names())}"
            ) from None


def build_registry(*, clock: Clock | None = None) -> AdapterRegistry:
    """All built-in adapters. ``clock`` stamps deletions whose payload has no time."""
    registry = AdapterRegistry()
    for adapter in (
        MastodonAdapter(clock=clock),
        XAdapter(clock=clock),
        FacebookAdapter(clock=clock),
        BlueskyAdapter(clock=clock),
        ForumAdapter(),
        CrmAdapter(),
        WebEventAdapter(),
        MobileEventAdapter(),
    ):
        registry.register(adapter)
    return registry


def adapter_for(name: str, *, registry: AdapterRegistry | None = None) -> Adapter:
    """The adapter called ``name``; unknown names raise InvalidInput listing known ones."""
    return (registry or build_registry()).get(name)
