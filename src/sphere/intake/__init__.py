"""Live intake: signed webhooks, streaming listeners, the JetStream stream and workers.

Verifies where a payload came from before anything reads it, then hands the raw bytes on
— to the stream when ``SPHERE_NATS_URL`` is set (``sphere worker`` processes), else to
the pipeline in this process. See docs/intake.md and docs/scaling.md.
"""
