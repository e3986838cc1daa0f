"""Where each role lands after login."""

from django.urls import reverse

from core.access import user_roles
from core.roles import Role

# In priority order: a user holding several roles lands on the first page that applies.
ROLE_HOMES: tuple[tuple[str, str], ...] = (
    (Role.COORDINATOR, "coordination:index"),
    (Role.CELL_LIAISON, "cell:index"),
    (Role.MEMBER, "member:index"),
    (Role.STATE_DELEGATE, "monitoring:index"),
    (Role.AUDITOR, "audit:index"),
    (Role.STRATEGIC_GROUP, "indicators:index"),
)


def landing_url_for(user) -> str | None:
    roles = user_roles(user)
    for role, url_name in ROLE_HOMES:
        if role in roles:
            return reverse(url_name)
    if user.is_authenticated and user.is_staff:
        return reverse("admin:index")
    return None
