import pytest
from django.contrib.auth.models import Group

from core.access import has_role, user_roles
from core.roles import ROLE_PERMISSIONS, Role
from tests.factories import UserFactory


@pytest.mark.django_db
def test_every_role_group_exists_with_its_permissions():
    for role in Role:
        group = Group.objects.get(name=role.value)
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert held == set(ROLE_PERMISSIONS[role]), role


@pytest.mark.django_db
def test_roles_are_read_from_groups_and_cached():
    user = UserFactory(roles=[Role.CELL_LIAISON, Role.AUDITOR])
    assert user_roles(user) == {Role.CELL_LIAISON, Role.AUDITOR}
    assert has_role(user, Role.AUDITOR)
    assert not has_role(user, Role.MEMBER)


@pytest.mark.django_db
def test_inactive_user_has_no_role():
    user = UserFactory(roles=[Role.COORDINATOR], is_active=False)
    assert user_roles(user) == frozenset()
