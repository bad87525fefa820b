"""The hash-chained audit log (invariant 3).

``record`` appends one entry inside the caller's transaction; ``verify`` walks the chain.
See ``sphere.audit.chain`` for the hash format and the rule for ``details``.
"""

from sphere.audit.chain import (
    AuditBatch,
    AuditEntry,
    VerifyResult,
    canonical_json,
    check_details,
    compute_hash,
    latest,
    record,
    session_keys,
    verify,
)

__all__ = [
    "AuditBatch",
    "AuditEntry",
    "VerifyResult",
    "canonical_json",
    "check_details",
    "compute_hash",
    "latest",
    "record",
    "session_keys",
    "verify",
]
