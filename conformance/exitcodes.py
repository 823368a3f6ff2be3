"""Process exit codes shared by every command (documented in README.md)."""

from enum import IntEnum


class ExitCode(IntEnum):
    CONFORMANT = 0  # no error-level finding / every MUST requirement passed
    NOT_CONFORMANT = 1  # at least one error-level finding or failed requirement
    COULD_NOT_RUN = 2  # bad arguments, unusable spec, unreachable target
