"""django-auditlog on reference data: field-level history with the actor of the request.

Passwords are masked; only the fields that matter are tracked for users. Bulk updates are not
logged by django-auditlog, so services on these models save objects one by one.
"""

from auditlog.registry import auditlog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from directory.models import Commune, MemberProfile, Organisation

User = get_user_model()

auditlog.register(
    User,
    include_fields=[
        "username",
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_staff",
        "is_superuser",
        "password",
    ],
    mask_fields=["password"],
    m2m_fields={"groups"},
)
auditlog.register(Group, m2m_fields={"permissions"})
auditlog.register(Organisation)
auditlog.register(MemberProfile)
auditlog.register(Commune)
