"""Rights across connected systems (issue 15): access, erasure and the Art. 19
notifications in every system the company connected (the shop database, the CRM, the
webhook recipients), with a status per system.

The systems are reached through ``ConnectedSystems``, a protocol the composition root
(``sphere.runtime``) fills with ``sphere.connectors.ConnectorSet``; this package knows no
connector. What it owns is the request's side, one module per concern:

* ``base``: the protocol, task states and actions, the person's identifiers (encrypted
  under a key of the request's own, destroyed when the request completes), planning
  tasks (``dsr_system_tasks``), completing the request once every system is done.
* ``access``: the person's rows from every system for the export (Art. 15), and the
  erasure's dry run; a system that cannot be reached is listed with its reason.
* ``erasure``: one attempt of one system's erasure (Art. 17), in a transaction of its own.
* ``notify``: one signed webhook notification (Art. 19).
* ``tasks``: one attempt of any task; retries with back-off (``due_task_ids``, one Sphere
  transaction per attempt), dead letter after ``max_attempts``, the DPO's requeue.
* ``carry``: a request carried to every system (``erase_everywhere``,
  ``notify_everywhere``).
* ``status``: what the cockpit shows (tasks, failures, health, steps from the audit).

Identifiers never reach a log line, an error message or the audit chain.
"""

from sphere.rights.systems.access import access_sections, dry_run
from sphere.rights.systems.base import (
    ERASURE,
    NOTIFY,
    RETRYABLE,
    ConnectedSystems,
    TaskState,
    finish_if_complete,
    subject_identifiers,
)
from sphere.rights.systems.carry import ErasureEverywhere, erase_everywhere, notify_everywhere
from sphere.rights.systems.erasure import plan_erasure
from sphere.rights.systems.notify import LEGAL_BASIS
from sphere.rights.systems.status import (
    STEP_ACTIONS,
    TaskStep,
    failures,
    get_task,
    overview,
    request_steps,
    request_tasks,
)
from sphere.rights.systems.tasks import attempt_task, due_task_ids, requeue, retry_now

__all__ = [
    "ERASURE",
    "LEGAL_BASIS",
    "NOTIFY",
    "RETRYABLE",
    "STEP_ACTIONS",
    "ConnectedSystems",
    "ErasureEverywhere",
    "TaskState",
    "TaskStep",
    "access_sections",
    "attempt_task",
    "due_task_ids",
    "dry_run",
    "erase_everywhere",
    "failures",
    "finish_if_complete",
    "get_task",
    "notify_everywhere",
    "overview",
    "plan_erasure",
    "request_steps",
    "request_tasks",
    "requeue",
    "retry_now",
    "subject_identifiers",
]
