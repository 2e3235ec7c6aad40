"""Exceptions and the exit codes they map to (documented in the README)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USER_ERROR = 2
EXIT_CONFLICT = 3
EXIT_INTERRUPTED = 130


class ScaffoldError(Exception):
    """Base class: the message is one line meant for the user."""

    exit_code = EXIT_USER_ERROR


class UserError(ScaffoldError):
    """Bad input from the user; nothing on disk was changed."""

    exit_code = EXIT_USER_ERROR
