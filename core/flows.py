"""Checks every module's action table shares (trade-in, win-back): which action, may this user
run it, is it possible in the record's current status."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TypeVar

from core.auth import require_role
from core.errors import ActionNotAllowed, NotFound
from core.models import User


class _Action(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def roles(self) -> tuple[str, ...]: ...


A = TypeVar("A", bound=_Action)


def checked_action(actions: Mapping[str, A], name: str, user: User | None) -> A:
    """The action called `name` if `user` may run it (None: API or script, no role check).
    Raises NotFound or PermissionDenied."""
    action = actions.get(name)
    if action is None:
        raise NotFound(f"Unbekannte Aktion „{name}“.")
    if user is not None:
        require_role(user, *action.roles)
    return action


def ensure_allowed(reasons: Mapping[str, str | None], action: _Action) -> None:
    """Raise ActionNotAllowed with the flow's German reason when `action` is not possible now
    (`reasons` as the flow's allowed_actions returns them)."""
    reason = reasons[action.name]
    if reason:
        raise ActionNotAllowed(reason)
