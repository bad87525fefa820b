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
* ``erasure``: which tasks a request plans (systems that can, manual systems, recipients).
* ``change``: one attempt of one system's erasure (Art. 17), rectification (Art. 16),
  restriction (Art. 18) or consent state / objection, in a transaction of its own.
* ``notify``: one signed webhook notification (Art. 19).
* ``manual``: a system without an API: its owner e-mailed, a one-time confirmation link.
* ``consent``: withdrawals and objections outside requests, carried to the systems.
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
    MANUAL,
    NOTIFY,
    OPEN,
    PREFERENCE,
    RECTIFICATION,
    RESTRICTION,
    RETRYABLE,
    ConnectedSystems,
    ConsentEventRef,
    TaskState,
    finish_if_complete,
    subject_identifiers,
)
from sphere.rights.systems.carry import (
    ErasureEverywhere,
    carry_everywhere,
    complete_unless_open,
    erase_everywhere,
    notify_everywhere,
)
from sphere.rights.systems.erasure import plan_erasure
from sphere.rights.systems.manual import (
    ManualView,
    confirm_manual,
    has_overdue,
    manual_view,
    mark_overdue,
)
from sphere.rights.systems.notify import LEGAL_BASIS
from sphere.rights.systems.status import (
    STEP_ACTIONS,
    TaskStep,
    event_tasks,
    failures,
    get_task,
    open_tasks,
    overview,
    request_steps,
    request_tasks,
    systems_per_request,
)
from sphere.rights.systems.tasks import attempt_task, due_task_ids, requeue, retry_now

__all__ = [
    "ERASURE",
    "LEGAL_BASIS",
    "MANUAL",
    "NOTIFY",
    "OPEN",
    "PREFERENCE",
    "RECTIFICATION",
    "RESTRICTION",
    "RETRYABLE",
    "STEP_ACTIONS",
    "ConnectedSystems",
    "ConsentEventRef",
    "ErasureEverywhere",
    "ManualView",
    "carry_everywhere",
    "complete_unless_open",
    "confirm_manual",
    "event_tasks",
    "has_overdue",
    "manual_view",
    "mark_overdue",
    "open_tasks",
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
    "systems_per_request",
]
