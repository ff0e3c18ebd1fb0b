"""Errors the app reports to people as plain messages (never as tracebacks)."""


class RagError(Exception):
    """Base class: `str(error)` is a message fit to show a user."""


class ModelError(RagError):
    """A model is missing, unverified or fails to load."""


class IndexError_(RagError):
    """The index is missing, empty or unreadable."""


class InputError(RagError):
    """A caller sent something the app cannot answer (empty question, unknown document...)."""


class BusyError(RagError):
    """The answer queue is full."""


class Cancelled(RagError):
    """The caller went away; the model stops working for it."""
