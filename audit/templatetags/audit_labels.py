"""Template filters: the French labels of an audit event's codes (audit.labels)."""

from django import template

from audit import labels

register = template.Library()


@register.filter
def transition_label(event):
    return labels.transition_label(event.object_type, event.transition)


@register.filter
def from_state_label(event):
    return labels.event_value_label(event, event.from_state)


@register.filter
def to_state_label(event):
    return labels.event_value_label(event, event.to_state)


@register.filter
def code_label(event):
    return labels.code_label(event.object_type, event.transition, event.action, event.code)
