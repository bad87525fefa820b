"""Hand a platform post to the portal's social-handle log-in challenges.

For a support agent who sees the post in the platform's own tool, or a webhook that
forwards it: the raw platform object is parsed by the channel's adapter (exactly as
ingestion would) and checked by ``sphere.portal.handle_login.observe_challenge_posts``.
The post is not stored here; ingestion decides about that under the policy. Meeting a
challenge logs nobody in by itself: only the browser that started it can then open a
session. Roles: ``agent``, ``dpo``, ``admin``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from sphere.accounts import Principal, Role
from sphere.channels import build_registry
from sphere.portal.handle_login import HANDLE_CHANNELS, handle_channel, observe_challenge_posts
from sphere.web._cockpit_service import actor_of
from sphere.web.deps import CsrfProtected, DbSession, Runtime, require_roles

router = APIRouter(tags=["portal"])

ChallengeObserver = Annotated[Principal, Depends(require_roles(Role.AGENT, Role.DPO, Role.ADMIN))]
_CHANNELS = [c.value for c in HANDLE_CHANNELS]


class ChallengePostIn(BaseModel):
    """One post or message as the platform delivered it."""

    channel: str = Field(
        max_length=40,
        pattern="^(" + "|".join(_CHANNELS) + ")$",
        description="Channel whose adapter parses the payload: " + ", ".join(_CHANNELS) + ".",
    )
    payload: dict[str, Any] = Field(
        description="The raw platform JSON object, as the channel adapter parses it "
        "(a Mastodon Status or streaming event, an X API v2 response, a Bluesky post, "
        "a Facebook Graph comment or message, a forum post)."
    )


class ChallengePostOut(BaseModel):
    observations: int = Field(description="Posts and messages the adapter read.")
    met: int = Field(description="Log-in challenges met by them.")


@router.post(
    "/portal/handle-challenges/observations",
    dependencies=[CsrfProtected],
    response_model=ChallengePostOut,
)
def post_challenge_observation(
    body: ChallengePostIn, db: DbSession, runtime: Runtime, who: ChallengeObserver
) -> ChallengePostOut:
    """Check a post against open portal log-in challenges; answers how many were met.

    An unusable payload is refused with 422 naming the field (never its value).
    """
    channel = handle_channel(body.channel)
    adapter = build_registry(clock=runtime.clock).get(channel.value)
    observations = adapter.parse(body.payload, ref="api:portal-handle-challenge")
    met = observe_challenge_posts(
        db, runtime.keyring, observations, at=runtime.clock.now(), actor=actor_of(who)
    )
    return ChallengePostOut(observations=len(observations), met=met)
