"""Manual tasks: a system without an API (``kind: manual``: paper files, an old desktop
program) is reached through its owner. Carrying a request there e-mails the owner what
to do and by when, with a one-time confirmation link; the task then waits.

* The e-mail (German or English, the system's ``language``) names the system, the
  operation, the owner's instructions, the due date and the link — never the person:
  whom it concerns (identifiers, a rectification's new values) is shown only on the
  page behind the link.
* The link carries a random token; only its SHA-256 is stored. It works once (the
  confirmation clears it) and expires ``LINK_GRACE`` after the due date.
* The owner confirms done, "not found", or "kept because …" (a reason is required);
  the task is done with an audit entry and the request may complete.
* Sending is an attempt like any other (SMTP down: retried with back-off, then dead
  letter). A task still waiting after its due date becomes a dead letter the DPO sees
  (``mark_overdue``, run with the retries); the owner's link still works until expiry.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain.manual import ManualSystem
from sphere.errors import InvalidInput, NotFound, SphereError
from sphere.i18n import N_, Translator, translator
from sphere.i18n.glossary import article
from sphere.rights.systems.base import (
    ConnectedSystems,
    TaskState,
    record_failure,
    settle,
    task_owner,
    task_secret,
    task_subject,
)
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.system_tasks import SystemTask, SystemTaskRepository

LINK_GRACE = timedelta(days=14)  # the link works this long after the due date
OUTCOMES = ("done", "not_found", "kept")
MAX_REASON_CHARS = 500


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def operation_words(tr: Translator, operation: str) -> str:
    words = {
        "erasure": (N_("erase the person's data (%(article)s)"), "art17"),
        "rectification": (N_("correct the person's data (%(article)s)"), "art16"),
        "restriction": (N_("restrict the processing of the person's data (%(article)s)"), "art18"),
        "preference": (
            N_("carry over a withdrawn consent or an objection (%(article)s)"),
            "GDPR Art. 7(3), Art. 21",
        ),
    }
    if operation not in words:
        return operation
    text, code = words[operation]
    return tr.gettext(text, article=article(tr, code))


def owner_mail(
    spec: ManualSystem, operation: str, *, link: str, due_at: datetime, tz: str
) -> tuple[str, str]:
    """Subject and body of the owner's e-mail, in the system's language."""
    tr = translator(spec.language, tz)
    subject = tr.gettext("Data protection task for %(system)s, due %(due)s",
                         system=spec.name, due=tr.date(due_at))  # fmt: skip
    body = "\n\n".join(
        [
            tr.gettext("Hello,"),
            tr.gettext(
                "a data subject has exercised a right under the GDPR. You are responsible for "
                "%(system)s, which has no connection to Sphere, so please do the following by "
                "%(due)s: %(operation)s.",
                system=spec.name,
                due=tr.date(due_at),
                operation=operation_words(tr, operation),
            ),  # fmt: skip
            tr.gettext("What to do:") + "\n" + (spec.instruction(operation) or ""),
            tr.gettext(
                "Open this link to see whom it concerns and to confirm what you did. It works "
                "once and until %(expires)s:\n%(link)s",
                expires=tr.date(due_at + LINK_GRACE),
                link=link,
            ),  # fmt: skip
            tr.gettext(
                "Please do not forward this e-mail. If the person is not in %(system)s, or you "
                "must keep the data (for example under a retention duty), say so on the page.",
                system=spec.name,
            ),
        ]
    )
    return subject, body + "\n"


def attempt_manual(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems,
    task: SystemTask,
    *,
    at: datetime,
    actor: str,
    tz: str = "Europe/Berlin",
) -> SystemTask:
    """E-mail the owner (the task is locked and retryable): on success it waits."""
    repository = SystemTaskRepository(session)
    attempts = task.attempts + 1
    operation = str(task.params.get("operation", "erasure"))
    common = {"subject_id": task_subject(session, task), "object_ids": (task_owner(task), task.id)}
    known = task.system in systems.manual_names()
    error = f"system {task.system!r} is no longer configured (no manual definition)"
    if known:
        spec = systems.manual(task.system)
        token = secrets.token_urlsafe(32)
        due_at = at + timedelta(days=spec.due_days)
        subject, body = owner_mail(
            spec, operation, link=systems.confirm_url(token), due_at=due_at, tz=tz
        )
        try:
            systems.send_mail(spec.owner, subject, body)
        except SphereError as exc:
            error = str(exc)
        else:
            task = repository.update(
                task.id, state=TaskState.WAITING.value, attempts=attempts,
                next_attempt_at=None, last_error=None, due_at=due_at,
                token_hash=token_hash(token), token_expires_at=due_at + LINK_GRACE,
                result={"done": None, "waiting": "the owner was e-mailed"}, updated_at=at,
            )  # fmt: skip
            audit(session, actor=actor, action="system.manual_sent", at=at,
                  details={"system": task.system, "attempts": attempts,
                           "due_days": spec.due_days}, **common)  # fmt: skip
            return task
    task, dead, _next = record_failure(
        repository, systems, task, attempts, error, known=known, at=at,
        not_done="the owner was not e-mailed yet",
    )  # fmt: skip
    audit(session, actor=actor, at=at,
          action="system.manual_dead_letter" if dead else "system.manual_failed",
          details={"system": task.system, "attempts": attempts}, **common)  # fmt: skip
    return task


@dataclass(frozen=True, slots=True)
class ManualView:
    """What the owner's page shows: the task, the system, whom it concerns."""

    task: SystemTask
    system: ManualSystem | None
    operation: str
    identifiers: tuple[tuple[str, str], ...]
    changes: dict[str, str]


def _by_token(session: Session, token: str, *, at: datetime, lock: bool) -> SystemTask:
    """The task of a live link; any other token (unknown, used, expired) is NotFound
    with the same message, so the page tells nothing about other tasks."""
    task = SystemTaskRepository(session).by_token_hash(token_hash(token), lock=lock)
    if task is None or task.token_expires_at is None or task.token_expires_at <= at:
        raise NotFound("this confirmation link is not valid: it was used already or expired")
    if task.state not in (TaskState.WAITING, TaskState.DEAD_LETTER):
        raise NotFound("this confirmation link is not valid: it was used already or expired")
    return task


def manual_view(
    session: Session, keyring: Keyring, systems: ConnectedSystems, token: str, *, at: datetime
) -> ManualView:
    task = _by_token(session, token, at=at, lock=False)
    identifiers, changes = task_secret(session, keyring, task)
    spec = systems.manual(task.system) if task.system in systems.manual_names() else None
    operation = str(task.params.get("operation", "erasure"))
    return ManualView(task, spec, operation, identifiers.values, changes)


def confirm_manual(
    session: Session,
    keyring: Keyring,
    token: str,
    outcome: str,
    *,
    reason: str = "",
    at: datetime,
) -> SystemTask:
    """The owner confirms (single use): done, not found, or kept with its reason."""
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}")
    reason = reason.strip()[:MAX_REASON_CHARS]
    if outcome == "kept" and not reason:
        raise InvalidInput("say why the data is kept (for example a retention duty)")
    task = _by_token(session, token, at=at, lock=True)
    repository = SystemTaskRepository(session)
    done = {"manual": outcome, "no_match": outcome == "not_found"}
    if outcome == "kept":
        done["kept"] = reason
    task = repository.update(
        task.id, state=TaskState.DONE.value, token_hash=None, token_expires_at=None,
        next_attempt_at=None, last_error=None, result={"done": done},
        updated_at=at, completed_at=at,
    )  # fmt: skip
    actor = f"owner:{task.system}"
    audit(session, actor=actor, action="system.manual_confirmed", at=at,
          subject_id=task_subject(session, task), object_ids=(task_owner(task), task.id),
          details={"system": task.system, "outcome": outcome,
                   "late": bool(task.due_at and task.due_at < at)})  # fmt: skip
    settle(session, keyring, task, at=at, actor=actor)
    return task


def has_overdue(session: Session, *, at: datetime) -> bool:
    return bool(SystemTaskRepository(session).waiting_overdue(TaskState.WAITING.value, at))


def mark_overdue(session: Session, *, at: datetime, actor: str) -> list[SystemTask]:
    """Waiting manual tasks past their due date become dead letters the DPO sees."""
    repository = SystemTaskRepository(session)
    marked = []
    for task in repository.waiting_overdue(TaskState.WAITING.value, at):
        marked.append(
            repository.update(
                task.id, state=TaskState.DEAD_LETTER.value, updated_at=at,
                last_error=f"overdue: the owner has not confirmed by {task.due_at:%Y-%m-%d}",
            )
        )  # fmt: skip
        audit(session, actor=actor, action="system.manual_overdue", at=at,
              subject_id=task_subject(session, task), object_ids=(task_owner(task), task.id),
              details={"system": task.system})  # fmt: skip
    return marked
