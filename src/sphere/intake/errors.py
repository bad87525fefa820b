"""Why live intake refused a request. ``reason`` is an audit token; messages are safe to
show the sender (they name the problem, never the content)."""

from __future__ import annotations

from sphere.errors import InvalidInput, NotFound, SphereError


class IntakeRefused(SphereError):
    """Base of intake refusals; ``reason`` is a short token for audit and counters."""

    reason = "refused"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        self.reason = reason or self.reason
        super().__init__(message)


class SignatureInvalid(IntakeRefused):
    """Missing, malformed or wrong signature, or a replayed request (HTTP 401)."""

    reason = "signature_mismatch"


class UnknownIntakeSource(NotFound):
    """No live intake is configured for this source name (HTTP 404)."""

    reason = "unknown_source"


class PayloadTooLarge(IntakeRefused):
    """The body is over ``SPHERE_WEBHOOK_MAX_BYTES`` (HTTP 413)."""

    reason = "too_large"


class NotJson(InvalidInput):
    """The body is not a JSON document (HTTP 400)."""

    reason = "not_json"


class UnknownShape(InvalidInput):
    """The body is JSON but not a payload this source delivers (HTTP 422)."""

    reason = "unknown_shape"


class IntakeBusy(IntakeRefused):
    """The stream refused the payload (full or unreachable): retry later (HTTP 503)."""

    reason = "stream_unavailable"


class ChallengeRefused(IntakeRefused):
    """A subscription check (Meta ``hub.verify_token``) did not match (HTTP 403)."""

    reason = "verify_token_mismatch"
