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

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.sql import UpdateQuery
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
    companion: Callable | None = None,
):
    """Check and run transition ``name`` on a locked ``instance``, save it, audit it.

    Raises ApplicationError (French message) and changes nothing if the actor lacks the role,
    the state does not allow it, the required code is missing or unknown, or a guard fails.
    Returns the audit event.

    ``companion(instance, together=...)``: writes that belong with the change (e.g. the
    referral's stays). On PostgreSQL it returns common table expressions (SQL, params) sent
    in the one statement that updates the row and appends the event; elsewhere
    (``together=False``) it writes them itself, after the append.
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
    fields = instance._meta.concrete_fields
    before = [getattr(instance, f.attname) for f in fields]
    try:
        # django-fsm-2 checks the conditions (once, here); only a refusal looks for the
        # failing guard, to name it.
        getattr(instance, name)(*args)
    except TransitionNotAllowed as exc:
        failing = next((c for c in fsm.conditions if not c(instance)), None)
        raise ApplicationError(getattr(failing, "message", label), code="guard") from exc
    # Only the columns the transition changed (the state, its time, its code…), not all of
    # them: a smaller UPDATE, and no overwrite of columns another service owns. Still
    # ``WHERE state = <source>`` (ConcurrentTransitionMixin), on a row the caller locked.
    changed = [
        f for f, old in zip(fields, before, strict=True) if getattr(instance, f.attname) != old
    ]
    event_fields = {
        "actor": actor,
        "role": role,
        "action": AuditAction.TRANSITION,
        "object_type": object_type,
        "object_id": instance.pk,
        "reference": reference,
        "transition": name,
        "from_state": source,
        "to_state": field.get_state(instance),
        "code": code or "",
    }
    concurrent = ApplicationError(
        _("L'objet a été modifié entre-temps ; rechargez la page."), code="concurrent"
    )
    if changed and connection.vendor == "postgresql":
        # One round trip: the UPDATE, the companion writes and the append in one statement.
        update_sql, update_params = _update_sql(instance, changed, field, source)
        ctes, params = [f"moved AS ({update_sql} RETURNING 1)"], list(update_params)
        if companion is not None:
            extra_sql, extra_params = companion(instance, together=True)
            ctes.append(extra_sql)
            params += extra_params
        event = audit_record(**event_fields, together=(", ".join(ctes), params, "moved"))
        if event.together_count != 1:
            # The row did not move (the statement then appended nothing): whatever the
            # caller's transaction holds must not commit with a refused transition (the
            # services run in their caller's transaction, without a savepoint of their own).
            transaction.set_rollback(True)
            raise concurrent
        return event
    try:
        if changed:
            instance.save(update_fields=[f.name for f in changed])
    except ConcurrentTransition as exc:
        raise concurrent from exc
    event = audit_record(**event_fields)
    if companion is not None:
        companion(instance, together=False)
    return event


# Compiled UPDATE texts by (model, columns, which values are empty, state column, vendor).
_UPDATE_TEXTS: dict[tuple, str] = {}


def _update_sql(instance, changed, state_field, source) -> tuple[str, list]:
    """``UPDATE <table> SET <changed columns> WHERE pk = … AND state = <source>``, compiled by
    Django (values prepared as ``save()`` would). The text is compiled once per model, set of
    columns and empty values (compiling cost ~0.1 ms per transition); the values are prepared
    each time, as Django's compiler prepares them — checked against its own output when the
    text is compiled (and by tests/transitions/test_update_statement.py)."""
    values = [f.pre_save(instance, False) for f in changed]
    prepared = [f.get_db_prep_save(v, connection) for f, v in zip(changed, values, strict=True)]
    params = [p for p in prepared if p is not None] + [
        instance._meta.pk.get_db_prep_value(instance.pk, connection),
        source,
    ]
    key = (
        type(instance),
        tuple(f.attname for f in changed),
        tuple(p is None for p in prepared),
        state_field.attname,
        connection.vendor,
    )
    sql = _UPDATE_TEXTS.get(key)
    if sql is None:
        query = UpdateQuery(type(instance))
        query.add_q(Q(pk=instance.pk) & Q(**{state_field.attname: source}))
        query.add_update_fields(list(zip(changed, [None] * len(changed), values, strict=True)))
        sql, compiled = query.get_compiler(connection=connection).as_sql()
        if list(compiled) != params:
            return sql, list(compiled)  # not the expected shape: Django's, never cached
        _UPDATE_TEXTS[key] = sql
    return sql, params
