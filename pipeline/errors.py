"""The library's own exceptions; the CLI turns each into one line for the user."""


class ScotrackError(Exception):
    """Base class: a problem the user can act on, shown as one line."""


class RejectedInput(ScotrackError):
    """A document that cannot be ingested; the message is the recorded reason."""


class StoreVersionError(ScotrackError):
    """The store was written by a newer scotrack than this one."""


class ConfigError(ScotrackError):
    """A setting or command-line value that makes no sense."""
