# The project package is an app so that the audit table (relance.audit) has a home.
from relance.audit import Event

__all__ = ["Event"]
