"""``sphere worker``: process the intake stream (needs ``SPHERE_NATS_URL``)."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.errors import ConfigurationError
from sphere.intake.stream import StreamNames
from sphere.intake.worker import Worker
from sphere.runtime import freeze_long_lived


def worker(
    batch_size: Annotated[
        int | None, typer.Option(help="Messages per transaction (SPHERE_WORKER_BATCH_SIZE).")
    ] = None,
    ack_wait: Annotated[
        float, typer.Option(help="Seconds before JetStream redelivers an unacknowledged batch.")
    ] = 30.0,
    stop_when_idle: Annotated[
        float | None, typer.Option(help="Exit after this many seconds without messages.")
    ] = None,
    max_messages: Annotated[
        int | None, typer.Option(help="Exit after handling this many messages.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Pull intake messages in batches, run the pipeline, acknowledge after commit.
    Run as many as you like; SIGTERM finishes the current batch and exits."""
    with runtime() as rt:
        settings = rt.settings
        if not settings.nats_url:
            raise ConfigurationError("sphere worker needs SPHERE_NATS_URL (NATS with JetStream)")
        # Built once here (the runtime keeps policy and analyzer for the worker's context),
        # then out of the garbage collector's sight, as `sphere ingest` does.
        freeze_long_lived(rt.pipeline_context())
        instance = Worker(
            rt,
            url=settings.nats_url,
            names=StreamNames(settings.nats_stream),
            batch_size=batch_size or settings.worker_batch_size,
            max_deliveries=settings.worker_max_deliveries,
            ack_wait=ack_wait,
            idle_exit=stop_when_idle,
            max_messages=max_messages,
        )

        async def main() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, instance.stop.set)
            await instance.run()

        asyncio.run(main())
    stats = instance.stats.as_dict()
    if as_json:
        print_json(stats)
    else:
        typer.echo(" · ".join(f"{k.replace('_', ' ')}: {v}" for k, v in stats.items()))
