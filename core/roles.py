"""Roles (design §3) as Django groups, and the permissions each role's group holds.

The group's name is the role's stable English code; its French label is shown in pages.
``sync_role_groups`` is called by data migrations whenever the permission map changes.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CELL_LIAISON = "cell_liaison", _("Référent cellule")
    COORDINATOR = "coordinator", _("Coordinateur")
    MEMBER = "member", _("Membre du groupe opérationnel")
    STATE_DELEGATE = "state_delegate", _("Délégué de l'État")
    AUDITOR = "auditor", _("Auditeur")
    STRATEGIC_GROUP = "strategic_group", _("Groupe stratégique")


# Permissions held by each role's group, as "app_label.codename". Roles are checked by group
# membership (django-fsm-2 ``permission=``, the flow's task nodes); permissions serve only the
# places that ask for them: viewflow's access to the flow (``view_referralprocess``), its start
# node (``register_referral``) and the admin's read-only pages.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.CELL_LIAISON: (
        "directory.view_commune",
        "workflows.view_referralprocess",
        "workflows.register_referral",
    ),
    Role.COORDINATOR: (
        "directory.view_commune",
        "workflows.view_referralprocess",
        "directory.view_organisation",
        "directory.view_memberprofile",
    ),
    Role.MEMBER: (
        "directory.view_commune",
        "workflows.view_referralprocess",
    ),
    Role.STATE_DELEGATE: (),
    Role.AUDITOR: ("auditlog.view_logentry",),
    Role.STRATEGIC_GROUP: (),
}


def sync_role_groups(apps, schema_editor=None):
    """Create the role groups and give each exactly the permissions of ROLE_PERMISSIONS.

    Usable from a migration (historical ``apps``). Permissions of apps not migrated yet are
    skipped; the migration that adds them calls this again.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True  # create_permissions skips apps without it
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=str(role))
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
