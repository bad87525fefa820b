"""Long work as jobs (GDPR work that can take minutes at scale: a policy apply, a
retention run, an erasure, a large export, a chain verification, a what-if).

``submit`` records a job; ``run_job`` claims and runs one with progress and a
resumable checkpoint; ``JobRunner`` is the background thread ``sphere serve`` starts.
Kinds and their handlers are registered in ``sphere.jobs.kinds``. See
``docs/ARCHITECTURE.md`` ("Read models and jobs").
"""

from sphere.jobs.context import JobCancelled, JobContext, JobDeps, ProgressBoard
from sphere.jobs.runner import JobRunner, run_job, submit, submit_and_wait

__all__ = [
    "JobCancelled",
    "JobContext",
    "JobDeps",
    "JobRunner",
    "ProgressBoard",
    "run_job",
    "submit",
    "submit_and_wait",
]
