"""Who holds which role. Roles are group memberships, read once per request and cached."""

from core.roles import Role

_CACHE_ATTR = "_relais_roles"


def user_roles(user) -> frozenset[str]:
    """The role codes the user holds (empty for anonymous or inactive users)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        valid = set(Role.values)
        cached = frozenset(
            name for name in user.groups.values_list("name", flat=True) if name in valid
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def has_role(user, *roles: str) -> bool:
    """True when the user holds at least one of ``roles``."""
    return bool(user_roles(user) & {str(r) for r in roles})


def forget_roles(user) -> None:
    """Drop the cached roles (after a change of group membership)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def role_permission(*roles: str):
    """A callable for viewflow's ``Application.permission``: holds one of ``roles``."""

    def check(user) -> bool:
        return has_role(user, *roles)

    return check


def transition_permission(*roles: str):
    """A django-fsm-2 ``permission=`` callable: the user holds one of ``roles``. ``system`` in
    ``roles`` is for automatic steps (no user) and is checked by the transition runner."""

    def check(instance, user) -> bool:
        return has_role(user, *roles)

    return check
