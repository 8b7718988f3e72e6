"""Errors core raises for the edges to show. Messages are German and meant for the user."""
from __future__ import annotations


class ValidationError(ValueError):
    """Input is missing or wrong. `errors` maps field name -> German message (API: 422)."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class ActionNotAllowed(Exception):
    """The action is not possible in the current state; str(exc) says why (API: 409)."""


class NotFound(LookupError):
    """The thing asked for does not exist (API: 404)."""
