"""``sphere scrub``: anonymise a JSONL file of posts, or one ``--text`` for a quick look.

A single command function, ``scrub`` (register with ``app.command("scrub")(scrub)``).

Input lines ``{"id", "text"[, "lang"]}``; output lines ``{"id", "text", "entities":
[{"start", "end", "type", "score"}]}`` with offsets into the ORIGINAL text. The file is
read in binary and decoded per line, so one line of invalid UTF-8 or JSON becomes
``{"line": N, "error": "..."}`` in the output plus a located message on stderr, and the
rest goes on. Memory stays constant: one line at a time.

Keys for ``pseudonymize``/``encrypt`` come from the environment variable named by
``--key-env`` (default ``SPHERE_PII_KEY``), never from the command line (it would land in
shell history). ``encrypt`` uses SHA-256 of that secret as its AES-256 key.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Annotated, BinaryIO, TextIO

import click
import typer

from sphere.errors import ConfigurationError, InvalidInput, SphereError
from sphere.pii.analyzer import Analyzer, build_analyzer
from sphere.pii.anonymizer import anonymize
from sphere.pii.operators import Operator, default_operator_registry


def _make_operator(name: str, key_env: str) -> Operator:
    registry = default_operator_registry()
    if name in ("pseudonymize", "encrypt"):
        secret = os.environ.get(key_env)
        if not secret:
            raise ConfigurationError(f"operator {name!r} needs a secret in ${key_env}")
        key = secret.encode()
        if name == "encrypt":
            key = hashlib.sha256(key).digest()
        return registry.create(name, key=key)
    return registry.create(name)


def _scrub_record(
    record: object, analyzer: Analyzer, operator: Operator, lang: str | None
) -> dict[str, object]:
    if not isinstance(record, dict):
        raise InvalidInput("line is not a JSON object")
    if "id" not in record:
        raise InvalidInput("missing field 'id'")
    text = record.get("text")
    if not isinstance(text, str):
        raise InvalidInput("missing or non-string field 'text'")
    line_lang = record.get("lang")
    use_lang = line_lang if isinstance(line_lang, str) and line_lang else lang
    spans = analyzer.analyze(text, lang=use_lang)
    result = anonymize(text, spans, default=operator)
    return {
        "id": record["id"],
        "text": result.text,
        "entities": [
            {"start": s.start, "end": s.end, "type": s.type, "score": round(s.score, 3)}
            for s in spans
        ],
    }


def _dump(obj: dict[str, object]) -> str:
    line = json.dumps(obj, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from "\\ud800" escapes in the input
        line = json.dumps(obj)
    return line + "\n"


def scrub_stream(
    source: BinaryIO,
    sink: TextIO,
    errors: TextIO,
    *,
    analyzer: Analyzer,
    operator: Operator,
    lang: str | None = None,
    source_name: str = "<input>",
) -> tuple[int, int]:
    """Scrub JSONL from ``source`` into ``sink``; returns (records ok, lines failed)."""
    ok = failed = 0
    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        try:
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidInput(f"invalid UTF-8 at byte {exc.start}") from None
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"invalid JSON at column {exc.colno}: {exc.msg}") from None
            out = _scrub_record(record, analyzer, operator, lang)
        except InvalidInput as exc:
            failed += 1
            sink.write(json.dumps({"line": number, "error": str(exc)}) + "\n")
            errors.write(f"{source_name}:{number}: {exc}\n")
            continue
        ok += 1
        sink.write(_dump(out))
    return ok, failed


def scrub(
    input: Annotated[
        Path | None, typer.Option("--input", "-i", help="JSONL file of posts.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="JSONL output (default: stdout).")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="Scrub one text and show it.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="en, de or auto.")] = "auto",
    operator: Annotated[
        str,
        typer.Option(
            "--operator",
            help="replace, redact, mask, pseudonymize, encrypt or generalize.",
        ),
    ] = "replace",
    key_env: Annotated[
        str, typer.Option("--key-env", help="Env variable holding the secret key.")
    ] = "SPHERE_PII_KEY",
    no_ner: Annotated[bool, typer.Option("--no-ner", help="Skip the statistical tagger.")] = False,
) -> None:
    """Detect and anonymise personal data in posts (German and English)."""
    if lang not in ("auto", "de", "en"):
        raise InvalidInput("--lang must be auto, de or en")
    if (input is None) == (text is None):
        raise InvalidInput("give exactly one of --input or --text")
    chosen = _make_operator(operator, key_env)
    analyzer = build_analyzer(use_ner=not no_ner)
    use_lang = None if lang == "auto" else lang
    if text is not None:
        spans = analyzer.analyze(text, lang=use_lang)
        typer.echo(anonymize(text, spans, default=chosen).text)
        for span in spans:
            typer.echo(
                f"  {span.start}:{span.end} {span.type} {span.score:.2f} ({span.recognizer})"
            )
        return
    assert input is not None
    try:
        source = input.open("rb")
    except OSError as exc:
        raise InvalidInput(f"{input}: cannot open ({exc.strerror})") from None
    with source:
        if output is None:
            ok, failed = scrub_stream(
                source, sys.stdout, sys.stderr, analyzer=analyzer, operator=chosen,
                lang=use_lang, source_name=str(input),
            )  # fmt: skip
        else:
            with output.open("w", encoding="utf-8") as sink:
                ok, failed = scrub_stream(
                    source, sink, sys.stderr, analyzer=analyzer, operator=chosen,
                    lang=use_lang, source_name=str(input),
                )  # fmt: skip
    typer.echo(f"scrubbed {ok} records, {failed} bad lines", err=True)


def _main() -> None:
    """``python -m sphere.cli.scrub …``: the same command without the other sub-commands'
    imports (database, web), for batch jobs and to measure the scrubber's own start-up."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command(name="scrub")(scrub)
    command = typer.main.get_command(app)
    try:
        command.main(prog_name="sphere-scrub", standalone_mode=False)
    except SphereError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except (click.exceptions.Exit, typer.Exit) as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        # usage mistakes from Click or from the copy of Click that Typer bundles
        format_message = getattr(exc, "format_message", None)
        if not callable(format_message):
            raise
        typer.echo(f"error: {format_message()}", err=True)
        sys.exit(getattr(exc, "exit_code", 2) or 2)


if __name__ == "__main__":
    _main()
