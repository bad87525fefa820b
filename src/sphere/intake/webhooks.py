"""Webhook intake: verify the platform's signature on the raw bytes, then hand on.

Order of checks (each refusal writes one audit entry ``intake.refused`` with a reason
token and bumps a counter; nothing is stored and nothing is parsed before the
signature holds):

1. a source with live intake configured (else ``unknown_source``, 404 — the audit entry
   does not repeat the unknown name: it is attacker-chosen text);
2. the body size (``SPHERE_WEBHOOK_MAX_BYTES``; checked while reading, 413);
3. the signature (401), and for the generic signed webhook the timestamp window and a
   replay of the same signature (401);
4. only now the body is decoded: not JSON (400) or not a payload this source delivers
   (422) — the raw body is quarantined encrypted (it came from the platform, so a person
   may want to look at it), ``intake.quarantined`` is audited;
5. the records go to the hand-off (stream or in-process) and the answer is 200.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from typing import NoReturn, Protocol

from sqlalchemy.orm import Session, sessionmaker

from sphere.audit import record as audit
from sphere.domain import Clock
from sphere.errors import InvalidInput, NotFound
from sphere.intake.config import IntakeConfig, IntakeKind, SourceIntake, load_intake_config
from sphere.intake.errors import (
    ChallengeRefused,
    IntakeRefused,
    PayloadTooLarge,
    SignatureInvalid,
    UnknownIntakeSource,
)
from sphere.intake.handoff import Handoff, make_handoff
from sphere.intake.shapes import split_body
from sphere.intake.signatures import (
    META_HEADER,
    SIGNED_HEADER,
    X_HEADER,
    ReplayGuard,
    Verdict,
    meta_challenge,
    verify_meta,
    verify_signed,
    verify_x,
    x_crc_response,
)
from sphere.pipeline.context import PipelineContext
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import session_scope
from sphere.storage.entities import Source
from sphere.storage.repositories.quarantine import QuarantineRepository
from sphere.storage.repositories.sources import SourceRepository

ACTOR = "intake"


class IntakeRuntime(Protocol):
    """What intake needs of the composition root (``sphere.runtime.Runtime``)."""

    settings: Settings
    factory: sessionmaker[Session]
    keyring: Keyring
    clock: Clock

    def pipeline_context(self) -> PipelineContext: ...


_SOURCE_TTL = 30.0


class IntakeCounters:
    """Per-process counts by (source, outcome); read by ``GET /api/v1/intake/counters``."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def add(self, source: str, outcome: str, n: int = 1) -> None:
        with self._lock:
            self._counts[(source, outcome)] += n

    def snapshot(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        with self._lock:
            for (source, outcome), n in sorted(self._counts.items()):
                out.setdefault(source, {})[outcome] = n
        return out


class WebhookIntake:
    def __init__(
        self,
        *,
        factory: sessionmaker[Session],
        keyring: Keyring,
        config: IntakeConfig,
        handoff: Handoff,
        clock: Clock,
        max_bytes: int,
        replay_window: int,
        quarantine_days: int = 30,
        counters: IntakeCounters | None = None,
    ) -> None:
        self.factory, self.keyring, self.config = factory, keyring, config
        self.handoff, self.clock = handoff, clock
        self.max_bytes, self.replay_window = max_bytes, replay_window
        self.quarantine_days = quarantine_days
        self.counters = counters or IntakeCounters()
        self.replays = ReplayGuard(replay_window)
        self._sources: dict[str, tuple[float, Source]] = {}

    # -- refusals ------------------------------------------------------------------------
    def _audit_refusal(self, source: str | None, reason: str) -> None:
        with session_scope(self.factory) as session:
            audit(
                session,
                actor=ACTOR,
                action="intake.refused",
                details={"source": source or "-", "reason": reason},
                at=self.clock.now(),
            )

    async def _refuse(self, source: str | None, error: IntakeRefused | NotFound) -> NoReturn:
        reason = getattr(error, "reason", "refused")
        self.counters.add(source or "-", reason)
        await asyncio.to_thread(self._audit_refusal, source, reason)
        raise error

    # -- lookups -------------------------------------------------------------------------
    async def _configured(self, name: str, kinds: tuple[IntakeKind, ...]) -> SourceIntake:
        cfg = self.config.get(name)
        if cfg is None or cfg.kind not in kinds:
            await self._refuse(None, UnknownIntakeSource("no webhook is configured at this URL"))
        return cfg

    def _load_source(self, name: str) -> Source | None:
        with session_scope(self.factory) as session:
            try:
                return SourceRepository(session).get(name)
            except NotFound:
                return None

    async def _source(self, name: str) -> Source:
        cached = self._sources.get(name)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        source = await asyncio.to_thread(self._load_source, name)
        if source is None:
            await self._refuse(None, UnknownIntakeSource("no webhook is configured at this URL"))
        self._sources[name] = (time.monotonic() + _SOURCE_TTL, source)
        return source

    # -- subscription checks ------------------------------------------------------------
    async def challenge(self, name: str, params: Mapping[str, str]) -> str | dict[str, str]:
        """Meta's ``hub.challenge`` (text) or X's CRC answer (JSON)."""
        cfg = await self._configured(name, (IntakeKind.META, IntakeKind.X))
        if cfg.kind is IntakeKind.META:
            answer = meta_challenge(
                params.get("hub.mode"),
                params.get("hub.verify_token"),
                params.get("hub.challenge"),
                [t.get_secret_value() for t in cfg.verify_tokens],
            )
            if answer is None:
                await self._refuse(name, ChallengeRefused("verify token does not match"))
            self.counters.add(name, "challenge_answered")
            return answer
        token = params.get("crc_token")
        if not token or len(token) > 500:
            await self._refuse(
                name, ChallengeRefused("crc_token missing or too long", reason="crc_malformed")
            )
        self.counters.add(name, "crc_answered")
        return x_crc_response(token, cfg.secret_values()[0])

    # -- deliveries ----------------------------------------------------------------------
    async def too_large(self, name: str) -> NoReturn:
        """Called by the web layer when the body exceeds the limit while being read."""
        cfg = self.config.get(name)
        await self._refuse(
            name if cfg else None,
            PayloadTooLarge(f"body larger than {self.max_bytes} bytes"),
        )

    def _verify(self, cfg: SourceIntake, headers: Mapping[str, str], body: bytes) -> Verdict:
        secrets = cfg.secret_values()
        if cfg.kind is IntakeKind.META:
            return verify_meta(headers.get(META_HEADER), body, secrets)
        if cfg.kind is IntakeKind.X:
            return verify_x(headers.get(X_HEADER), body, secrets)
        check = verify_signed(
            headers.get(SIGNED_HEADER),
            body,
            secrets,
            now=self.clock.now().timestamp(),
            window=self.replay_window,
        )
        if check.verdict.accepted and not self.replays.first_sight(
            f"{cfg.source}:{check.signature}", now=self.clock.now().timestamp()
        ):
            return Verdict.REPLAY
        return check.verdict

    async def receive(self, name: str, headers: Mapping[str, str], body: bytes) -> tuple[int, int]:
        """Verify and hand on one delivery; returns (records, of which new)."""
        cfg = await self._configured(name, (IntakeKind.META, IntakeKind.X, IntakeKind.SIGNED))
        if len(body) > self.max_bytes:
            await self.too_large(name)
        verdict = self._verify(cfg, headers, body)
        if not verdict.accepted:
            message = (
                "request already received (replay)"
                if verdict is Verdict.REPLAY
                else "signature does not verify"
            )
            await self._refuse(name, SignatureInvalid(message, reason=verdict.value))
        source = await self._source(name)
        try:
            records = split_body(cfg.kind, source.channel, body)
        except InvalidInput as exc:
            await asyncio.to_thread(self._quarantine, source, body, exc)
            raise
        new = await self.handoff.submit(source, records, ref=f"webhook:{name}")
        self.counters.add(name, "accepted", len(records))
        return len(records), new

    def _quarantine(self, source: Source, body: bytes, exc: InvalidInput) -> None:
        reason = str(getattr(exc, "reason", "invalid"))
        self.counters.add(source.name, reason)
        try:
            payload = body.decode("utf-8")
        except UnicodeDecodeError:
            payload = "base64:" + base64.b64encode(body).decode("ascii")
        with session_scope(self.factory) as session:
            item = QuarantineRepository(session, self.keyring).add(
                source.name,
                file=f"webhook:{source.name}",
                line=None,
                reason=f"webhook: {exc}"[:500],
                payload=payload,
                at=self.clock.now(),
                keep_for=timedelta(days=self.quarantine_days),
            )
            audit(
                session,
                actor=ACTOR,
                action="intake.quarantined",
                object_ids=(item.id,),
                details={"source": source.name, "reason": reason},
                at=self.clock.now(),
            )


def build_webhook_intake(runtime: IntakeRuntime) -> WebhookIntake:
    """Webhook intake for a runtime's settings: intake.yaml, stream or in-process."""
    settings = runtime.settings
    handoff = make_handoff(
        nats_url=settings.nats_url,
        stream=settings.nats_stream,
        factory=runtime.factory,
        context=runtime.pipeline_context,
    )
    return WebhookIntake(
        factory=runtime.factory,
        keyring=runtime.keyring,
        config=load_intake_config(settings.resolved_intake_file),
        handoff=handoff,
        clock=runtime.clock,
        max_bytes=settings.webhook_max_bytes,
        replay_window=settings.webhook_replay_window_seconds,
        quarantine_days=settings.quarantine_retention_days,
    )
