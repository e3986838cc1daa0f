"""Recording who looked at which case page (an ACCESS event in the audit chain)."""

from django.db import transaction

from audit.services import audit_record_access
from audit.vocabularies import AuditRole, ObjectType
from core.roles import Role
from transitions.runner import acting_role

CASE_ROLES = (Role.COORDINATOR, Role.CELL_LIAISON, Role.MEMBER)


@transaction.atomic
def case_access_record(*, user, referral, object_type=ObjectType.REFERRAL, object_id=None):
    """One ACCESS event: who, in which role, opened a page about ``referral``."""
    return audit_record_access(
        actor=user,
        role=acting_role(user, CASE_ROLES) or AuditRole.ADMINISTRATOR,
        object_type=object_type,
        object_id=object_id if object_id is not None else referral.pk,
        reference=referral.reference,
    )
