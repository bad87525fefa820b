"""Regenerate the command reference in ``docs/cli.md`` from the ``sphere`` command tree.

The part between the two ``GENERATED`` markers is rewritten: one section per noun (a
sub-app of ``sphere.cli.app.build_app()``), a table with every command, the first line
of its help text and an example. The examples are hand-written below (a command without
one gets its usage line); everything outside the markers is hand-written prose.
``tests/unit/test_docs_drift.py`` fails when the file is out of date.

Usage: ``python scripts/gen_cli_docs.py`` (rewrite) or ``--check`` (exit 1 on drift).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import typer

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
BEGIN = "<!-- BEGIN GENERATED COMMAND LIST (scripts/gen_cli_docs.py) -->"
END = "<!-- END GENERATED COMMAND LIST -->"

EXAMPLES: dict[str, str] = {
    "audit list": "sphere audit list -n 20 --json",
    "audit checkpoint": "sphere audit checkpoint",
    "audit keys": "sphere audit keys --generate",
    "audit verify": "sphere audit verify",
    "campaign create": "sphere campaign create campaign.yaml",
    "campaign dry-run": "sphere campaign dry-run tele --json",
    "campaign list": "sphere campaign list",
    "campaign run": "sphere campaign run tele --smtp-host 127.0.0.1 --sender angebote@example.com",
    "consent grant": "sphere consent grant --subject lena@example.com --purpose direct_marketing",
    "consent list": "sphere consent list --subject lena@example.com --json",
    "consent receipt": "sphere consent receipt --subject lena@example.com",
    "consent withdraw": "sphere consent withdraw --subject lena@example.com --purpose profiling",
    "db current": "sphere db current --json",
    "db downgrade": "sphere db downgrade -1",
    "db backup": "sphere db backup --out /var/backups/sphere",
    "db restore": "sphere db restore --data sphere-20261203T020000000000Z.db "
    "--keys subject-keys-20261203T020000000000Z.json --to /var/lib/sphere/restored.db",
    "db rotate-key": "sphere db rotate-key --new-key-file /etc/sphere/master-2.key --generate",
    "db read-model": "sphere db read-model --json",
    "job list": "sphere job list --state failed",
    "job show": "sphere job show 01931f2e-5c4a-7000-8000-0000000000aa --json",
    "job resume": "sphere job resume 01931f2e-5c4a-7000-8000-0000000000aa",
    "job cancel": "sphere job cancel 01931f2e-5c4a-7000-8000-0000000000aa",
    "db upgrade": "sphere db upgrade",
    "demo": "sphere demo --size small",
    "dsr access": "sphere dsr access --subject lena@example.com --json",
    "dsr erase": "sphere dsr erase --subject lena@example.com --json",
    "dsr export": "sphere dsr export --subject lena@example.com --out lena.zip",
    "dsr extend": 'sphere dsr extend --request ID --reason "complex request"',
    "dsr list": "sphere dsr list --overdue",
    "dsr object": "sphere dsr object --subject lena@example.com",
    "dsr open": "sphere dsr open --subject lena@example.com --type access",
    "dsr rectify": "sphere dsr rectify --subject K-1001 --kind email --old OLD --new NEW",
    "dsr reject": 'sphere dsr reject --request ID --reason "…" --code manifestly_unfounded',
    "dsr restrict": "sphere dsr restrict --subject lena@example.com",
    "dsr verify": "sphere dsr verify --request ID --code 12345678",
    "ingest": "sphere ingest posts.jsonl --source masto   # add --via-stream with SPHERE_NATS_URL",
    "listen": "sphere listen masto   # a mastodon or bluesky source in intake.yaml",
    "worker": "SPHERE_NATS_URL=nats://127.0.0.1:4222 sphere worker --stop-when-idle 60",
    "measure approve": 'sphere measure approve "spring newsletter" --reason "LIA on file"',
    "measure check": "sphere measure check measure.yaml --json",
    "measure list": "sphere measure list --state submitted",
    "measure reject": 'sphere measure reject "spring newsletter" --reason "no consent"',
    "measure submit": "sphere measure submit measure.yaml",
    "notices due": "sphere notices due --json",
    "dpia open": "sphere dpia open enrichment --role admin --title 'Anreicherung'",
    "dpia edit": "sphere dpia edit DPIA-2026-001 --role admin --risks risks.json "
    "--assessed-on 2026-05-20 --review-on 2027-05-20",
    "dpia risk-add": "sphere dpia risk-add DPIA-2026-001 --role admin --risk 'Verwechslung' "
    "--likelihood 3 --severity 3 --measures 'Nur bestätigte Konten' --residual-likelihood 1 "
    "--residual-severity 3",
    "dpia opinion": "sphere dpia opinion DPIA-2026-001 --role dpo --text 'Vertretbar.'",
    "dpia consultation": "sphere dpia consultation DPIA-2026-001 --role admin --on 2026-05-02 "
    "--reference 'LDA-DSFA-17'",
    "dpia sign-off": "sphere dpia sign-off DPIA-2026-001 --role admin",
    "dpia show": "sphere dpia show DPIA-2026-001 --version 1 --json",
    "dpia pdf": "sphere dpia pdf DPIA-2026-001 --lang de --out dsfa.pdf",
    "breach record": (
        'sphere breach record --title "Export on a public share" --description "…" '
        "--started-at 2026-06-01T08:00+02:00 --discovered-at 2026-06-03T09:30+02:00 "
        "--system interactions --system contacts --source mastodon"
    ),
    "breach list": "sphere breach list --open",
    "breach show": "sphere breach show BR-2026-001 --json",
    "breach assess": (
        'sphere breach assess BR-2026-001 --risk high --reasons "…" --consequences "…" '
        '--measures "…" --notify-subjects'
    ),
    "breach notify-authority": "sphere breach notify-authority BR-2026-001 --reference LDA-4711",
    "breach notify-subjects": "sphere breach notify-subjects BR-2026-001",
    "breach close": "sphere breach close BR-2026-001",
    "breach draft": "sphere breach draft BR-2026-001 --to people --lang en",
    "recipient add": (
        'sphere recipient add "HelpDesk Cloud Inc." --role processor --country US '
        "--purpose customer_care --agreement-date 2025-09-15 --mechanism dpf"
    ),
    "recipient list": "sphere recipient list --json",
    "connector validate": "sphere connector validate ~/.sphere/connectors/shop.yaml",
    "connector list": "sphere connector list --json",
    "connector test": "sphere connector test",
    "connector dry-run": "sphere connector dry-run --subject erika@example.org",
    "connector tasks": "sphere connector tasks --request REQUEST_ID",
    "connector retry": "sphere connector retry --json",
    "connector requeue": "sphere connector requeue --request REQUEST_ID --system shop",
    "crm sync": "sphere crm sync --backfill",
    "crm status": "sphere crm status --json",
    "crm requeue": "sphere crm requeue",
    "recipient edit": (
        'sphere recipient edit "HelpDesk Cloud Inc." '
        "--set transfer_mechanism=scc --set scc_module=2"
    ),
    "recipient retire": 'sphere recipient retire "Mailversand Nord GmbH"',
    "joint list": "sphere joint list --json",
    "joint set": (
        "sphere joint set facebook --platform 'Meta Platforms Ireland Ltd.' "
        "--title 'Page Insights Controller Addendum' --agreed-on 2025-06-02 --contact … "
        "--right access=platform … --essence-en … --essence-de …"
    ),
    "tom list": "sphere tom list --json",
    "tom add": (
        'sphere tom add --title "Off-site backups" --kind technical --goal availability '
        '--owner "IT operations" --review-due 2027-03-01'
    ),
    "tom update": 'sphere tom update off-site-backups --owner "IT security"',
    "tom review": "sphere tom review off-site-backups --next-review 2027-09-01",
    "record check": "sphere record check --json",
    "record export": "sphere record export record.pdf --lang de",
    "dpia list": "sphere dpia list --json",
    "notices send": (
        "sphere notices send --controller Optiklinse --controller-contact … "
        "--authority … --out-dir notices/"
    ),
    "policy apply": "sphere policy apply policy.yaml",
    "policy diff": "sphere policy diff old.yaml new.yaml",
    "policy show": "sphere policy show",
    "policy validate": "sphere policy validate policy.yaml",
    "policy whatif": "sphere policy whatif policy.yaml --json",
    "profile enrich": "sphere profile enrich --subject lena@example.com",
    "profile explain": "sphere profile explain --subject lena@example.com",
    "quarantine drop": "sphere quarantine drop ITEM_ID",
    "quarantine list": "sphere quarantine list --source masto",
    "quarantine retry": "sphere quarantine retry ITEM_ID",
    "quarantine show": "sphere quarantine show ITEM_ID --json",
    "retention run": "sphere retention run --dry-run",
    "scrub": "sphere scrub --text 'Ruf mich an: 030 1234567' --lang de",
    "portal link": "sphere portal link lena.beispiel@example.com",
    "serve": "sphere serve --port 8000",
    "source add": "sphere source add masto --channel mastodon --collection official_api",
    "source list": "sphere source list --json",
    "source remove": "sphere source remove masto",
    "staff add": "sphere staff add dpo --role dpo",
    "staff list": "sphere staff list",
    "staff revoke": "sphere staff revoke TOKEN_ID",
    "staff token": "sphere staff token cockpit-sync --role agent",
    "version": "sphere version",
}


def _first_line(text: str | None) -> str:
    line = (text or "").strip().split("\n\n")[0]
    return " ".join(line.split()).replace("|", "\\|")


def command_tree() -> object:
    from sphere.cli.app import build_app

    return typer.main.get_command(build_app())


def leaves(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, object]]:
    """(space-separated path, command) for every leaf, sorted by name."""
    # Typer >= 0.20 ships its own Click copy: duck-type groups instead of isinstance.
    commands = getattr(command, "commands", None)
    if commands is None:
        yield " ".join(path), command
        return
    for name, sub in sorted(commands.items()):
        yield from leaves(sub, (*path, name))


def _usage(path: str, command: object) -> str:
    parts = ["sphere", path]
    for param in getattr(command, "params", []):
        if getattr(param, "param_type_name", "") == "argument":
            parts.append(str(param.name).upper())
    return " ".join(parts)


def render(root: object) -> str:
    """The generated block (without markers)."""
    groups: dict[str, list[tuple[str, object]]] = {}
    for path, command in leaves(root):
        groups.setdefault(path.split()[0] if " " in path else "", []).append((path, command))
    out: list[str] = []
    sections = sorted(groups.items(), key=lambda item: (item[0] == "", item[0]))
    for noun, commands in sections:
        if noun:
            group = root.commands[noun]  # type: ignore[attr-defined]
            out += [f"### `sphere {noun}`", "", _first_line(group.help), ""]
        else:
            out += ["### Top-level commands", ""]
        out += ["| command | what it does | example |", "| --- | --- | --- |"]
        for path, command in commands:
            example = EXAMPLES.get(path, _usage(path, command))
            json_mark = " (`--json`)" if "--json" in _options(command) else ""
            out.append(
                f"| `sphere {path}` | {_first_line(command.help)}{json_mark} | `{example}` |"  # type: ignore[attr-defined]
            )
        out.append("")
    return "\n".join(out).rstrip("\n")


def _options(command: object) -> set[str]:
    return {opt for param in getattr(command, "params", []) for opt in getattr(param, "opts", [])}


def updated(text: str, block: str) -> str:
    """``text`` with the block between the markers replaced by ``block``."""
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{block}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    new = updated(text, render(command_tree()))
    if "--check" in argv:
        if new != text:
            print(f"{DOC} is out of date: run python scripts/gen_cli_docs.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
