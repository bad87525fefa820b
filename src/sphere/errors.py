"""The error family. Messages name ids, purposes and places — never personal data.

Only ``sphere.web`` maps these to HTTP; only ``sphere.cli`` maps them to exit codes.
"""

from __future__ import annotations


class SphereError(Exception):
    """Root of every error this package raises on purpose."""


class NotFound(SphereError):
    """A thing named by id does not exist."""


class InvalidInput(SphereError):
    """Input from a user or a file is malformed; the message says where."""


class ConfigurationError(SphereError):
    """Settings or environment are unusable (unreachable database, missing key)."""


class PolicyError(InvalidInput):
    """A policy file cannot be loaded. Carries the place of the problem."""

    def __init__(
        self,
        message: str,
        *,
        file: str = "<policy>",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.file, self.line, self.column, self.detail = file, line, column, message
        where = file
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


class PolicyViolation(SphereError):
    """An action was refused by the policy; the message is the readable reason."""


class ConsentError(SphereError):
    """Consent is missing, withdrawn or unknown for a purpose."""


class AuditError(SphereError):
    """The audit chain cannot be written or is broken."""


class ConnectorError(InvalidInput):
    """A connector definition is wrong, in its file or against the live schema of its
    system. Carries the system, the file and the place (1-based line and column)."""

    def __init__(
        self,
        message: str,
        *,
        system: str | None = None,
        file: str = "<connector>",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.system, self.file, self.line, self.column = system, file, line, column
        self.detail = message
        where = file
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        prefix = f"[{system}] " if system else ""
        super().__init__(f"{where}: {prefix}{message}")


class SystemUnavailable(SphereError):
    """A connected system cannot be reached or refused the work (connection refused,
    authentication, permissions, a lock timeout). The message names the system and the
    driver's reason, never a statement's parameters (they hold identifiers)."""

    def __init__(self, system: str, reason: str) -> None:
        self.system, self.reason = system, reason
        super().__init__(f"system {system!r} unavailable: {reason}")
