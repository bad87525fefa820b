"""Policy endpoints: the shipped default, validation of a draft, and a diff.

All pure (``sphere.policy``); no database. Drafts are YAML text in a JSON body (at most
``MAX_POLICY_CHARS``). An invalid draft is answered 422 with the located error
(``file``, ``line``, ``column``, ``message``) by ``web/errors.py``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from sphere.policy import Policy, default_policy, diff_policies, load_policy_text
from sphere.web.deps import CsrfProtected, CurrentStaff, PolicyEditor

router = APIRouter(prefix="/policy", tags=["policy"])

MAX_POLICY_CHARS = 512_000


class PolicyText(BaseModel):
    yaml: str = Field(max_length=MAX_POLICY_CHARS, description="The policy as YAML text.")
    source: str = Field("<draft>", max_length=200, description="Name used in error messages.")


class DiffIn(BaseModel):
    old: str | None = Field(
        None,
        max_length=MAX_POLICY_CHARS,
        description="YAML of the old policy; omitted = the shipped default.",
    )
    new: str = Field(max_length=MAX_POLICY_CHARS, description="YAML of the new policy.")


class ValidateOut(BaseModel):
    ok: bool
    version: str
    hash: str
    purposes: int
    rules: int


@router.get("/default")
def get_default_policy(_principal: CurrentStaff) -> dict[str, Any]:
    """The shipped default policy as plain data (the YAML schema)."""
    return default_policy().to_dict()


@router.post("/validate", dependencies=[CsrfProtected])
def validate_policy(body: PolicyText, _editor: PolicyEditor) -> ValidateOut:
    """Load and check a policy draft: schema, references, shadowed rules, legal bases."""
    policy = load_policy_text(body.yaml, source=body.source)
    return ValidateOut(
        ok=True,
        version=policy.version,
        hash=policy.content_hash,
        purposes=len(policy.purposes),
        rules=len(policy.rules),
    )


@router.post("/diff", dependencies=[CsrfProtected])
def diff_policy(body: DiffIn, _editor: PolicyEditor) -> dict[str, Any]:
    """What changes between two policies, including how many decisions shift."""
    old: Policy = (
        default_policy() if body.old is None else load_policy_text(body.old, source="<old>")
    )
    new = load_policy_text(body.new, source="<new>")
    return diff_policies(old, new).to_dict()
