"""``{% submission_field %}``: the one-time token of a state-changing form (see
workflows.submissions). Put it next to ``{% csrf_token %}`` in every such form."""

import uuid

from django import template
from django.utils.html import format_html

from workflows.submissions import FIELD

register = template.Library()


@register.simple_tag
def submission_field():
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, uuid.uuid4())
