"""French labels for the codes an audit event carries (transition, states, code).

The audit app imports no domain app: each domain app registers its vocabularies here from
its ``AppConfig.ready()`` (``register``; FSM models through ``register_fsm_model``). Screens
and filters then show "Clôturer", "En bilan → Clôturée", "Objectifs atteints" instead of
``close``, ``in_review → closed``, ``goals_reached``; exports keep the stable codes.
An unknown code shows as itself: a label is never invented.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext_lazy as _

from audit.vocabularies import (
    AdminOperation,
    AuditAction,
    ExportFormat,
    LoginFailure,
    ObjectType,
    VerifyReason,
)

VERIFY_OK = "ok"  # the code of a successful verification (audit.services)

_transitions: dict[tuple[str, str], str] = {}
_states: dict[tuple[str, str], str] = {}
_codes: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)  # (object_type, transition)
_any_code: dict[str, set[str]] = defaultdict(set)
# Transitions whose from/to hold codes of another vocabulary than the states (corrections).
_values: dict[tuple[str, str], dict[str, str]] = {}
# Transitions whose from/to hold codes of reference data kept in the database (communes).
_lookups: dict[tuple[str, str], object] = {}


def _add_codes(object_type: str, transition: str, choices) -> None:
    for value, label in choices:
        _codes[(object_type, transition)][str(value)] = label
        _any_code[str(value)].add(label)


def register(object_type: str, *, states=(), transitions=None) -> None:
    """``states``: (code, label) pairs; ``transitions``: {name: (label, code choices or ())}."""
    for value, label in states:
        _states[(object_type, str(value))] = label
    for name, (label, codes) in (transitions or {}).items():
        _transitions[(object_type, name)] = label
        _add_codes(object_type, name, codes)


def register_values(object_type: str, transition: str, choices) -> None:
    """The from/to codes of ``transition`` are ``choices`` (e.g. a corrected datum's old and
    new code), not states."""
    _values[(object_type, transition)] = {str(value): label for value, label in choices}


def register_value_lookup(object_type: str, transition: str, lookup) -> None:
    """The from/to codes of ``transition`` name rows of reference data (e.g. a corrected
    commune's INSEE codes): ``lookup(codes)`` returns ``{code: label}`` for a set of codes,
    in one query. Screens that list events call ``resolve_values`` once per page."""
    _lookups[(object_type, transition)] = lookup


def resolve_values(events) -> None:
    """Label the reference-data codes of a page of events: one ``lookup`` call per
    registered transition present on the page (none when there is none), the labels kept on
    each event for ``value_label`` — the page's query count does not grow with its rows."""
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for event in events:
        key = (event.object_type, event.transition)
        if key in _lookups:
            wanted[key].update(code for code in (event.from_state, event.to_state) if code)
    found = {key: _lookups[key](codes) if codes else {} for key, codes in wanted.items()}
    for event in events:
        key = (event.object_type, event.transition)
        if key in found:
            event.resolved_values = found[key]


def event_value_label(event, value: str) -> str:
    """``value_label`` for one event's from/to code, reference data included (resolved on
    the page by ``resolve_values``, else looked up for this event alone)."""
    key = (event.object_type, event.transition)
    if value and key in _lookups:
        resolved = getattr(event, "resolved_values", None)
        if resolved is None:
            resolved = _lookups[key]({value})
        return str(resolved.get(value, value))
    return value_label(event.object_type, event.transition, value)


def value_label(object_type: str, transition: str, value: str) -> str:
    """The label of an event's from/to code: a corrected datum's value, else a state."""
    if not value:
        return ""
    values = _values.get((object_type, transition))
    if values is not None:
        return str(values.get(value, value))
    return state_label(object_type, value)


def register_fsm_model(object_type: str, model, field_name: str = "state", extra=None) -> None:
    """Register a django-fsm-2 model: its state choices and each transition's ``custom``
    label and code vocabulary; ``extra`` adds non-FSM transitions as in ``register``."""
    field = model._meta.get_field(field_name)
    transitions = {}
    for transition in field.get_all_transitions(model):
        custom = transition.custom or {}
        label = custom.get("label")
        if label is None:
            continue
        code = custom.get("code")
        transitions[transition.name] = (label, code.choices if code is not None else ())
    transitions.update(extra or {})
    register(object_type, states=field.choices, transitions=transitions)


def transition_label(object_type: str, name: str) -> str:
    if not name:
        return ""
    if (object_type, name) in _transitions:
        return str(_transitions[(object_type, name)])
    admin = dict(AdminOperation.choices)
    return str(admin.get(name, name))


def state_label(object_type: str, state: str) -> str:
    if not state:
        return ""
    return str(_states.get((object_type, state), state))


def code_label(object_type: str, transition: str, action: str, code: str) -> str:
    if not code:
        return ""
    found = _codes.get((object_type, transition), {}).get(code)
    if found is not None:
        return str(found)
    for vocabulary in _own_code_vocabularies(action):
        if code in vocabulary:
            return str(vocabulary[code])
    labels = _any_code.get(code)
    if labels and len({str(label) for label in labels}) == 1:
        return str(next(iter(labels)))
    return code


def _own_code_vocabularies(action: str):
    if action == AuditAction.LOGIN_FAILED:
        yield dict(LoginFailure.choices)
    yield dict(ExportFormat.choices)
    yield {**dict(VerifyReason.choices), VERIFY_OK: _("Chaîne intègre")}


def transition_choices() -> list[tuple[str, str]]:
    """Every registered transition name with its French label(s), for the filter's list."""
    names: dict[str, set[str]] = defaultdict(set)
    for (_object_type, name), label in _transitions.items():
        names[name].add(str(label))
    for value, label in AdminOperation.choices:
        names[value].add(str(label))
    return sorted(
        ((name, " / ".join(sorted(labels))) for name, labels in names.items()),
        key=lambda pair: pair[1].lower(),
    )


def code_choices() -> list[tuple[str, str]]:
    """Every registered code with its French label(s), for the filter's list."""
    labels: dict[str, set[str]] = defaultdict(set)
    for code, found in _any_code.items():
        labels[code].update(str(label) for label in found)
    for vocabulary in (LoginFailure, ExportFormat, VerifyReason):
        for value, label in vocabulary.choices:
            labels[value].add(str(label))
    labels[VERIFY_OK].add(str(_("Chaîne intègre")))
    return sorted(
        ((code, " / ".join(sorted(found))) for code, found in labels.items()),
        key=lambda pair: pair[1].lower(),
    )


def object_type_label(object_type: str) -> str:
    return str(dict(ObjectType.choices).get(object_type, object_type))
