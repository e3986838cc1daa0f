"""Synthetic, obviously fictitious demo data: organisations, one account per role, members.

Idempotent: everything is looked up by a stable key before being created. Other apps add their
demo cases through their own services (see the seed_demo command).
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from core.roles import Role
from directory.models import MemberProfile, Organisation
from directory.vocabularies import OrganisationKind, SupportDomain

DEMO_PASSWORD = "relais-demo"  # noqa: S105 — documented public demo password


@dataclass(frozen=True)
class DemoAccount:
    username: str
    roles: tuple[str, ...]
    label: str
    staff: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("demo-cell", (Role.CELL_LIAISON,), "Référent cellule"),
    DemoAccount("demo-coordinator", (Role.COORDINATOR,), "Coordinateur"),
    DemoAccount("demo-member", (Role.MEMBER,), "Membre (psychologique, social)"),
    DemoAccount("demo-delegate", (Role.STATE_DELEGATE,), "Délégué de l'État"),
    DemoAccount("demo-auditor", (Role.AUDITOR,), "Auditeur"),
    DemoAccount("demo-strategic", (Role.STRATEGIC_GROUP,), "Groupe stratégique"),
    DemoAccount("demo-admin", (), "Administrateur", staff=True),
)

DEMO_ORGANISATIONS = (
    ("Association Fictive Horizon (démo)", OrganisationKind.ASSOCIATION),
    ("Service Imaginaire d'Insertion (démo)", OrganisationKind.PUBLIC_BODY),
    ("Centre Exemple de Santé (démo)", OrganisationKind.OTHER),
)

# Extra members so that each domain's queue has people: (username, org index, domains, cap).
DEMO_MEMBERS = (
    ("demo-member", 0, (SupportDomain.PSYCHOLOGICAL, SupportDomain.SOCIAL), 4),
    ("demo-member-2", 1, (SupportDomain.PROFESSIONAL, SupportDomain.SOCIAL), 3),
    ("demo-member-3", 2, (SupportDomain.EDUCATIONAL, SupportDomain.PSYCHOLOGICAL), 3),
)


def _ensure_user(username, password, *, staff=False):
    User = get_user_model()
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@demo.invalid", "first_name": "", "last_name": ""},
    )
    changed = False
    if not user.check_password(password):
        user.set_password(password)
        changed = True
    if staff and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        changed = True
    if changed:
        user.save()
    return user


@transaction.atomic
def demo_seed_directory(*, password: str = DEMO_PASSWORD) -> dict:
    """Create (or leave as they are) the demo organisations, accounts and member profiles."""
    organisations = [
        Organisation.objects.get_or_create(name=name, defaults={"kind": kind})[0]
        for name, kind in DEMO_ORGANISATIONS
    ]
    groups = {role: Group.objects.get(name=str(role)) for role in Role.values}
    users = {}
    for account in DEMO_ACCOUNTS:
        user = _ensure_user(account.username, password, staff=account.staff)
        for role in account.roles:
            user.groups.add(groups[role])
        users[account.username] = user
    for username, org_index, domains, capacity in DEMO_MEMBERS:
        user = users.get(username) or _ensure_user(username, password)
        user.groups.add(groups[Role.MEMBER])
        MemberProfile.objects.get_or_create(
            user=user,
            defaults={
                "organisation": organisations[org_index],
                "domains": list(domains),
                "capacity": capacity,
            },
        )
        users[username] = user
    return {"organisations": organisations, "users": users}
