"""The shared core every app may import, and which imports no app of the project.

- ``core.errors``: the one ``ApplicationError`` (French message, "nothing was changed");
- ``core.roles``: the six roles (Django groups) and the permissions of each role's group;
- ``core.access``: who holds which role (``user_roles``, ``has_role``, ``role_permission``);
- ``core.guards``: the ``guard`` decorator for pure django-fsm-2 conditions;
- ``core.deadlines``: due dates of the process.

The transition runner sits one layer higher (``transitions``), above ``audit``, because it
writes audit events. import-linter contracts (pyproject.toml) keep the layers.
"""
