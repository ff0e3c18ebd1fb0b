"""Errors the app reports to people as plain messages (never as tracebacks)."""


class RagError(Exception):
    """Base class: `str(error)` is a message fit to show a user."""


class ModelError(RagError):
    """A model is missing, unverified or fails to load."""


class IndexError_(RagError):
    """The index is missing, empty or unreadable."""


class InputError(RagError):
    """A caller sent something the app cannot answer (empty question, unknown document...)."""

    status = 400  # the HTTP status it gets


class NotFound(InputError):
    status = 404


class Conflict(InputError):
    """Another document of other content has this name (or a change is already running)."""

    status = 409


class TooLarge(InputError):
    status = 413


class UnsupportedType(InputError):
    """A type we do not read, or contents that do not match the file's extension."""

    status = 415


class NoText(InputError):
    """A readable file with no text in it (a scanned PDF)."""

    status = 422


class BusyError(RagError):
    """The answer queue is full."""


class Cancelled(RagError):
    """The caller went away; the model stops working for it."""
