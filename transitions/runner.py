"""The one path every state transition takes: role, state, code and guards checked, the
django-fsm-2 transition run, the object saved and one audit event written.

Transitions declare their rules on the model: who may run them in django-fsm-2's
``permission=`` (checked here with the transition's own ``has_perm``, and by the pages that
list the transitions a user may run), the label, the roles an audit event may name and the
required code in ``custom``::

    @transition(field=state, source=..., target=..., conditions=[...],
                permission=transition_permission(Role.COORDINATOR),
                custom={"label": _("…"), "roles": (Role.COORDINATOR,), "code": ReturnReason})

Conditions are pure functions decorated with ``core.guards.guard(message)``, so a refusal names the
failing guard in French. The caller locks the row and opens the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from audit.services import audit_record
from audit.vocabularies import AuditAction, AuditRole
from core.access import user_roles
from core.errors import ApplicationError

SYSTEM = AuditRole.SYSTEM


def _transitions(model, name):
    """django-fsm-2's declarations of transition ``name`` (one per source state), through the
    model's public ``get_all_<field>_transitions``."""
    field = next(f for f in model._meta.concrete_fields if hasattr(f, "transitions"))
    found = [t for t in field.get_all_transitions(model) if t.name == name]
    if not found:
        raise LookupError(f"{model.__name__} has no transition {name!r}")
    return field, found


def transition_rules(model, name) -> dict:
    """The ``custom`` rules of a transition (label, roles, code), whatever the source state."""
    return _transitions(model, name)[1][0].custom


def acting_role(actor, allowed: Iterable[str]) -> str | None:
    """The first allowed role the actor holds (or ``system`` for an automatic step)."""
    allowed = [str(r) for r in allowed]
    if actor is None:
        return SYSTEM if SYSTEM in allowed else None
    held = user_roles(actor)
    return next((role for role in allowed if role in held), None)


def run_transition(
    *,
    instance,
    name: str,
    actor,
    object_type: str,
    reference: str,
    code: str = "",
    role: str | None = None,
    args: tuple = (),
    state_label: Callable[[str], str] = str,
):
    """Check and run transition ``name`` on a locked ``instance``, save it, audit it.

    Raises ApplicationError (French message) and changes nothing if the actor lacks the role,
    the state does not allow it, the required code is missing or unknown, or a guard fails.
    Returns the audit event.
    """
    assert transaction.get_connection().in_atomic_block, "run_transition needs a transaction"
    field, declared = _transitions(type(instance), name)
    rules = declared[0].custom
    label = rules["label"]
    if role is None:
        role = acting_role(actor, rules["roles"])
    permitted = actor is None or declared[0].has_perm(instance, actor)
    if not permitted or role is None or role not in [str(r) for r in rules["roles"]]:
        raise ApplicationError(
            _("Action « %(action)s » réservée à : %(roles)s.")
            % {
                "action": label,
                "roles": ", ".join(str(AuditRole(r).label) for r in rules["roles"]),
            },
            code="forbidden",
        )
    source = field.get_state(instance)
    fsm = next((t for t in declared if t.source in (source, "*", "+")), None)
    if fsm is None or (fsm.source == "+" and source == fsm.target):
        raise ApplicationError(
            _("Action « %(action)s » impossible dans l'état « %(state)s ».")
            % {"action": label, "state": state_label(source)},
            code="invalid_state",
        )
    vocabulary = rules.get("code")
    if vocabulary is not None:
        if not code:
            raise ApplicationError(
                _("Action « %(action)s » : choisissez un motif dans la liste.") % {"action": label},
                code="code_required",
                field="code",
            )
        if code not in vocabulary.values:
            raise ApplicationError(
                _("Action « %(action)s » : motif inconnu « %(code)s ».")
                % {"action": label, "code": code},
                code="code_unknown",
                field="code",
            )
    try:
        # django-fsm-2 checks the conditions (once, here); only a refusal looks for the
        # failing guard, to name it.
        getattr(instance, name)(*args)
    except TransitionNotAllowed as exc:
        failing = next((c for c in fsm.conditions if not c(instance)), None)
        raise ApplicationError(getattr(failing, "message", label), code="guard") from exc
    try:
        instance.save()
    except ConcurrentTransition as exc:
        raise ApplicationError(
            _("L'objet a été modifié entre-temps ; rechargez la page."), code="concurrent"
        ) from exc
    return audit_record(
        actor=actor,
        role=role,
        action=AuditAction.TRANSITION,
        object_type=object_type,
        object_id=instance.pk,
        reference=reference,
        transition=name,
        from_state=source,
        to_state=field.get_state(instance),
        code=code or "",
    )
