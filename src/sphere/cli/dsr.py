"""``sphere dsr open|verify|extend|access|export|rectify|restrict|object|erase|reject|list``.

Execution commands (access … erase) need a request of that type whose identity was
verified: give ``--request ID`` or ``--subject`` (then the subject's open, verified
request of that type is used). Refusals are committed (they are audited) and printed as
one line on stderr with exit code 2.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.orm import Session

from sphere.channels import read_records
from sphere.cli._output import fail, print_json
from sphere.cli._runtime import runtime
from sphere.domain import Channel, IdentityKind
from sphere.errors import InvalidInput
from sphere.rights.access import access_report, export_archive
from sphere.rights.controls import object_to_processing, restrict
from sphere.rights.rectification import Correction, check_value, rectify_everywhere
from sphere.rights.refusal import Refused
from sphere.rights.requests import (
    RequestState,
    RequestType,
    extend_request,
    list_requests,
    open_request,
    reject_request,
    require_ready,
    view,
)
from sphere.rights.subject import resolve_subject
from sphere.rights.systems import (
    RESTRICTION,
    carry_everywhere,
    complete_unless_open,
    erase_everywhere,
    subject_identifiers,
)
from sphere.rights.verification import (
    confirm_email_code,
    confirm_social_challenge,
    start_email_verification,
    start_social_challenge,
)
from sphere.runtime import Runtime
from sphere.storage.repositories.erasure import reclaim_free_space
from sphere.storage.repositories.rights import RightsRepository

app = typer.Typer(help="Data-subject requests (GDPR Art. 12-21).", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Subject = Annotated[
    str | None, typer.Option(help="E-mail, +phone, channel:handle, customer number or id.")
]
RequestId = Annotated[str | None, typer.Option("--request", help="The request id.")]
ACTOR = "cli"
T = TypeVar("T")


def call_service(rt: Runtime, fn: Callable[[Session], T]) -> T:
    """Run ``fn`` in one transaction; a refusal is committed (audited), then reported."""
    refused: Refused | None = None
    result: T | None = None
    with rt.session() as session:
        try:
            result = fn(session)
        except Refused as exc:
            refused = exc
    if refused is not None:
        fail(refused)
    return result  # type: ignore[return-value]


def _request_for(
    session: Session, rt: Runtime, request_id: str | None, subject: str | None, kind: RequestType
) -> str:
    if request_id:
        return request_id
    if not subject:
        raise InvalidInput("give --request or --subject")
    contact = resolve_subject(session, rt.keyring, subject, actor=ACTOR, at=rt.clock.now())
    ready = RightsRepository(session).list_requests(
        contact_id=contact.id,
        states=[RequestState.IDENTITY_VERIFIED.value, RequestState.IN_PROGRESS.value],
    )
    matching = [r for r in ready if r.type == kind.value]
    if not matching:
        raise Refused(
            "not_verified", f"the subject has no verified {kind.value} request; open and verify one"
        )
    return matching[0].id


def _emit(data: Any, as_json: bool, line: str) -> None:
    if as_json:
        print_json(data)
    else:
        typer.echo(line)


@app.command("open")
def open_(
    subject: Subject = None,
    request_type: Annotated[RequestType, typer.Option("--type")] = RequestType.ACCESS,
    requester: Annotated[str | None, typer.Option(help="Identifier of who asks.")] = None,
    channel: Annotated[str, typer.Option(help="How the request arrived.")] = "email",
    as_json: JsonFlag = False,
) -> None:
    """Record a request as received; prints its id and deadline."""
    if not subject:
        fail(InvalidInput("--subject is required"))
    with runtime() as rt:
        request = call_service(
            rt,
            lambda s: open_request(
                s,
                rt.keyring,
                subject,
                request_type,
                at=rt.clock.now(),
                actor=ACTOR,
                channel=channel,
                requester=requester,
            ),
        )
        data = view(request, now=rt.clock.now()).to_dict()
    _emit(data, as_json, f"{data['id']}  {data['type']}  {data['state']}  {data['description']}")


@app.command("verify")
def verify(
    request_id: RequestId = None,
    method: Annotated[str, typer.Option(help="email or social.")] = "email",
    code: Annotated[str | None, typer.Option(help="The code the person received.")] = None,
    email: Annotated[str | None, typer.Option(help="Which address on file.")] = None,
    channel: Annotated[Channel, typer.Option(help="Channel of the handle.")] = Channel.MASTODON,
    post: Annotated[
        Path | None, typer.Option(help="The person's post/message (channel payload file).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Start (no --code/--post) or complete an identity verification."""
    if not request_id:
        fail(InvalidInput("--request is required"))
    with runtime() as rt:
        now = rt.clock.now()
        if method == "email" and code is None:
            challenge, address = call_service(
                rt,
                lambda s: start_email_verification(
                    s, rt.keyring, request_id, at=now, actor=ACTOR, email=email
                ),
            )
            data = {
                "verification_id": challenge.verification_id,
                "send_to": address,
                "code": challenge.secret,
                "expires_at": challenge.expires_at.isoformat(),
            }
            _emit(data, as_json, f"send code {challenge.secret} to the address on file")
            return
        if method == "email":
            request = call_service(
                rt, lambda s: confirm_email_code(s, request_id, code or "", at=now, actor=ACTOR)
            )
        elif post is None:
            challenge = call_service(
                rt,
                lambda s: start_social_challenge(
                    s, rt.keyring, request_id, channel, at=now, actor=ACTOR
                ),
            )
            data = {"phrase": challenge.secret, "expires_at": challenge.expires_at.isoformat()}
            _emit(data, as_json, f"ask the person to post: {challenge.secret}")
            return
        else:
            adapter = rt.pipeline_context().registry.get(channel.value)
            observations = [
                obs
                for raw in read_records(post, format="jsonl" if post.suffix != ".json" else "json")
                if raw.value is not None
                for obs in adapter.parse(raw.value, ref=f"{post.name}:{raw.line}")
            ]
            if not observations:
                fail(InvalidInput(f"{post.name}: no post found"))
            request = call_service(
                rt,
                lambda s: confirm_social_challenge(
                    s, rt.keyring, request_id, observations[0], at=now, actor=ACTOR
                ),
            )
        data = view(request, now=now).to_dict()
    _emit(data, as_json, f"{data['id']}: {data['state']}")


@app.command("extend")
def extend(
    request_id: Annotated[str, typer.Option("--request")],
    reason: Annotated[str, typer.Option(help="Told to the person (Art. 12(3)).")],
    as_json: JsonFlag = False,
) -> None:
    """Extend the deadline by two months, once, with a reason."""
    with runtime() as rt:
        request = call_service(
            rt, lambda s: extend_request(s, request_id, reason, at=rt.clock.now(), actor=ACTOR)
        )
        data = view(request, now=rt.clock.now()).to_dict()
    _emit(data, as_json, f"{data['id']}: {data['description']}")


def _execute(
    kind: RequestType,
    request_id: str | None,
    subject: str | None,
    work: Callable[[Session, Runtime, str, str], dict[str, Any]],
) -> dict[str, Any]:
    with runtime() as rt:
        now = rt.clock.now()
        rt.policy()  # load (and cache) it outside the transaction: SQLite has one writer

        def run(session: Session) -> dict[str, Any]:
            rid = _request_for(session, rt, request_id, subject, kind)
            request = require_ready(session, rid, (kind,), at=now, actor=ACTOR)
            assert request.contact_id is not None
            result = work(session, rt, request.contact_id, rid)
            counts = {k: v for k, v in result.items() if isinstance(v, int)}
            waiting = complete_unless_open(session, rt.keyring, rid, counts, at=now, actor=ACTOR)
            if waiting:  # Art. 12(3): open until the slowest system is done
                result = {**result, "waiting_for": list(waiting)}
            return {"request": rid, **result}

        outcome = call_service(rt, run)
        if kind is RequestType.ERASURE:
            reclaim_free_space(rt.engine)
    return outcome


@app.command("access")
def access(
    request_id: RequestId = None, subject: Subject = None, as_json: JsonFlag = False
) -> None:
    """Art. 15: everything held about the person (JSON)."""

    def work(session: Session, rt: Runtime, contact_id: str, _rid: str) -> dict[str, Any]:
        report = access_report(
            session,
            rt.keyring,
            rt.policy(),
            contact_id,
            now=rt.clock.now(),
            systems=rt.connected_systems(),
        )
        return {"report": report}

    result = _execute(RequestType.ACCESS, request_id, subject, work)
    if as_json:
        print_json(result["report"])
    else:
        report = result["report"]
        for section in ("identities", "interactions", "events", "attributes", "consents"):
            typer.echo(f"{section}: {len(report[section])}")


@app.command("export")
def export(
    out: Annotated[Path, typer.Option(help="Zip file to write.")],
    request_id: RequestId = None,
    subject: Subject = None,
    as_json: JsonFlag = False,
) -> None:
    """Art. 20: JSON and CSV in a zip with a readable HTML summary."""

    def work(session: Session, rt: Runtime, contact_id: str, _rid: str) -> dict[str, Any]:
        report = access_report(
            session,
            rt.keyring,
            rt.policy(),
            contact_id,
            now=rt.clock.now(),
            controller=rt.company_profile().controller,
            systems=rt.connected_systems(),
        )
        out.write_bytes(export_archive(report))
        return {"file": str(out)}

    result = _execute(RequestType.PORTABILITY, request_id, subject, work)
    _emit(result, as_json, f"wrote {out}")


@app.command("rectify")
def rectify(
    request_id: RequestId = None,
    subject: Subject = None,
    kind: Annotated[IdentityKind | None, typer.Option(help="Identity kind to correct.")] = None,
    old: Annotated[str | None, typer.Option(help="The wrong identifier.")] = None,
    new: Annotated[str | None, typer.Option(help="The right identifier or value.")] = None,
    channel: Annotated[Channel | None, typer.Option(help="Channel of a handle.")] = None,
    attribute: Annotated[str | None, typer.Option(help="Attribute id to correct.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Art. 16: correct a provided identity or attribute, here and in every connected
    system (found by the old identifiers; the request completes with the last system)."""
    if new is None or (attribute is None and (kind is None or old is None)):
        fail(InvalidInput("give --new and either --attribute or --kind with --old"))

    def work(session: Session, rt: Runtime, contact_id: str, rid: str) -> dict[str, Any]:
        assert new is not None
        if attribute is not None:
            correction = Correction("attribute", new, attribute_id=attribute)
        else:
            assert kind is not None
            value = check_value(kind.value, new, region=rt.settings.resolved_phone_region)
            correction = Correction(kind.value, value, old=old, channel=channel)
        done = rectify_everywhere(session, rt.keyring, rt.connected_systems(), rid,
                                  [correction], at=rt.clock.now(), actor=ACTOR)  # fmt: skip
        return {"rectified": done.in_sphere, "fields": list(done.fields)}

    result = _execute(RequestType.RECTIFICATION, request_id, subject, work)
    _emit(result, as_json, f"rectified: {', '.join(result['fields'])}")


@app.command("restrict")
def restrict_(
    request_id: RequestId = None,
    subject: Subject = None,
    lift: Annotated[bool, typer.Option("--lift", help="Lift the restriction.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Art. 18: keep the data but freeze it from processing, here and in every connected
    system that declares a restriction flag (the request completes with the last one)."""

    def work(session: Session, rt: Runtime, contact_id: str, rid: str) -> dict[str, Any]:
        now = rt.clock.now()
        contact = restrict(session, rt.keyring, contact_id, at=now, actor=ACTOR, lift=lift,
                           crm_sync=rt.crm_sync_target() is not None)  # fmt: skip
        carry_everywhere(session, rt.keyring, rt.connected_systems(), rid,
                         subject_identifiers(session, rt.keyring, contact_id), RESTRICTION,
                         params={"restricted": not lift}, at=now, actor=ACTOR)  # fmt: skip
        return {"restricted": contact.restricted}

    result = _execute(RequestType.RESTRICTION, request_id, subject, work)
    _emit(result, as_json, f"restricted: {result['restricted']}")


@app.command("object")
def object_(
    request_id: RequestId = None,
    subject: Subject = None,
    marketing: Annotated[bool, typer.Option(help="Object to direct marketing.")] = True,
    profiling: Annotated[bool, typer.Option(help="Object to profiling.")] = True,
    as_json: JsonFlag = False,
) -> None:
    """Art. 21: stop profiling and direct marketing at once; derived data is removed.

    With --subject the objection is recorded and takes effect now (no verification:
    stopping processing cannot harm the person); --request carries out an older
    verified objection request."""
    if request_id or not subject:
        result = _execute(RequestType.OBJECTION, request_id, subject, _objection_work(
            marketing, profiling))  # fmt: skip
        _emit(result, as_json, f"derived data removed: {result['derived_removed']}")
        return
    with runtime() as rt:
        request = call_service(
            rt,
            lambda s: open_request(
                s,
                rt.keyring,
                subject,
                RequestType.OBJECTION,
                at=rt.clock.now(),
                actor=ACTOR,
                channel="cli",
                marketing=marketing,
                profiling=profiling,
            ),
        )
    result = {"request": request.id, "derived_removed": request.result.get("derived_removed", 0)}
    _emit(
        result, as_json, f"objection in effect; derived data removed: {result['derived_removed']}"
    )


def _objection_work(
    marketing: bool, profiling: bool
) -> Callable[[Session, Runtime, str, str], dict[str, Any]]:
    def work(session: Session, rt: Runtime, contact_id: str, _rid: str) -> dict[str, Any]:
        removed = object_to_processing(
            session,
            rt.keyring,
            contact_id,
            at=rt.clock.now(),
            actor=ACTOR,
            marketing=marketing,
            profiling=profiling,
        )
        return {"derived_removed": len(removed)}

    return work


@app.command("erase")
def erase(request_id: RequestId = None, subject: Subject = None, as_json: JsonFlag = False) -> None:
    """Art. 17: erase everything here and in every connected system, destroy the keys;
    report what the law requires to keep. The request completes once every connected
    system is done; failed systems are retried by `sphere connector retry`."""
    with runtime() as rt:
        now = rt.clock.now()
        systems = rt.connected_systems()

        def run(session: Session) -> dict[str, Any]:
            rid = _request_for(session, rt, request_id, subject, RequestType.ERASURE)
            request = require_ready(session, rid, (RequestType.ERASURE,), at=now, actor=ACTOR)
            assert request.contact_id is not None
            done = erase_everywhere(
                session, rt.keyring, systems, rid, request.contact_id, at=now, actor=ACTOR
            )
            return {"request": rid, **done.to_dict()}

        result = call_service(rt, run)
        reclaim_free_space(rt.engine)
    if as_json:
        print_json(result)
        return
    counts = {k: v for k, v in result.items() if isinstance(v, int) and not isinstance(v, bool)}
    typer.echo("erased: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    for item in result["kept"]:
        typer.echo(f"kept {item['table']} {item['id']} until {item['until']}: {item['reason']}")
    for task in result["systems"]:
        done = task["result"].get("done") or {}
        note = f" ({task['last_error']})" if task["last_error"] else ""
        if done.get("no_match"):
            note = " (no row matched the person's identifiers)"
        typer.echo(f"system {task['system']}: {task['state']}, attempts {task['attempts']}{note}")
    if not result["completed"]:
        typer.echo("request stays open until every connected system is done")


@app.command("reject")
def reject(
    request_id: Annotated[str, typer.Option("--request")],
    reason: Annotated[str, typer.Option(help="Told to the person (Art. 12(4)).")],
    code: Annotated[str, typer.Option(help="Reason token for the audit.")] = "other",
    as_json: JsonFlag = False,
) -> None:
    """Reject a request with a reason."""
    with runtime() as rt:
        request = call_service(
            rt,
            lambda s: reject_request(
                s, request_id, reason, at=rt.clock.now(), actor=ACTOR, code=code
            ),
        )
        data = view(request, now=rt.clock.now()).to_dict()
    _emit(data, as_json, f"{data['id']}: rejected")


@app.command("list")
def list_(
    subject: Subject = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only open requests.")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue requests.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Requests with their deadline state (overdue ones are marked)."""
    with runtime() as rt:

        def run(session: Session) -> list[dict[str, Any]]:
            contact_id = None
            if subject:
                contact_id = resolve_subject(
                    session, rt.keyring, subject, actor=ACTOR, at=rt.clock.now(), allow_erased=True
                ).id
            return [
                v.to_dict()
                for v in list_requests(
                    session,
                    now=rt.clock.now(),
                    contact_id=contact_id,
                    open_only=open_only,
                    overdue_only=overdue,
                )
            ]

        rows = call_service(rt, run)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no requests")
    for r in rows:
        flag = " OVERDUE" if r["overdue"] else ""
        typer.echo(f"{r['id']}  {r['type']:<13} {r['state']:<17} {r['description']}{flag}")
