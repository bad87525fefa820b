"""``sphere listen SOURCE``: run a streaming listener (Mastodon, Bluesky Jetstream)."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.errors import ConfigurationError
from sphere.intake.config import load_intake_config
from sphere.intake.handoff import make_handoff
from sphere.intake.listen import make_listener


def listen(
    source: Annotated[str, typer.Argument(help="A source configured in intake.yaml.")],
    max_events: Annotated[
        int | None, typer.Option(help="Exit after handing on this many events.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Follow SOURCE's stream and hand each event on (to the intake stream when
    SPHERE_NATS_URL is set, else to the pipeline here). Resumes from the saved cursor
    after a restart; SIGTERM stops after the current batch."""
    with runtime() as rt:
        cfg = load_intake_config(rt.settings.resolved_intake_file).get(source)
        if cfg is None:
            raise ConfigurationError(
                f"no intake configured for {source!r} in {rt.settings.resolved_intake_file}"
            )
        handoff = make_handoff(
            nats_url=rt.settings.nats_url,
            stream=rt.settings.nats_stream,
            factory=rt.factory,
            context=rt.pipeline_context,
        )
        listener = make_listener(rt, cfg, handoff, max_events=max_events)

        async def main() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, listener.stop.set)
            try:
                await listener.run()
            finally:
                await handoff.close()

        asyncio.run(main())
    stats = listener.stats.__dict__
    if as_json:
        print_json(stats)
    else:
        typer.echo(" · ".join(f"{k}: {v}" for k, v in stats.items()))
