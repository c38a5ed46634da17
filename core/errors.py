"""Errors a person reads: one line naming the source, file and row where there is one."""


class AuditError(Exception):
    """A run that cannot go on. The message is the whole story, in one line."""


class BadFileError(AuditError):
    """A landing file that cannot be read, lacks a required column, or changed after loading."""


class ValidationFailed(AuditError):
    """A "fail" expectation did not hold: the night stops, the published warehouse is unchanged."""
