"""The call list, worked: a service advisor marks a call as done (what came of it in a few
words). The invitation leaves the call list and the timeline records who called."""
from __future__ import annotations

from datetime import datetime

from core import events
from core.auth import require_role
from core.errors import ActionNotAllowed, ValidationError
from core.models import User
from core.service import KEY
from core.service.models import ServiceInvitation
from core.service.responses import load

ON_THE_LIST = frozenset({"call_list", "callback"})
ROLES = ("service", "supervisor")
MAX_NOTE = 500


def call_done(session, invitation_id: int, user: User | None, note: str,
              now: datetime) -> ServiceInvitation:
    """Take the invitation off the call list; `note` says what came of the call."""
    require_role(user, *ROLES)
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": f"Höchstens {MAX_NOTE} Zeichen."})
    invitation = load(session, invitation_id)
    if invitation.status not in ON_THE_LIST:
        raise ActionNotAllowed("Diese Einladung steht nicht (mehr) auf der Anrufliste.")
    invitation.status, invitation.next_kind, invitation.next_at = "done", None, None
    invitation.outcome = f"Angerufen von {user.display_name}" + (f": {note}" if note else ".")
    events.record(session, now, "service_called", f"Service: {invitation.outcome}",
                  customer_id=invitation.customer_id, module=KEY, record_id=invitation.id,
                  actor=user.username)
    return invitation
