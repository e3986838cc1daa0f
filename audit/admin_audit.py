"""Administrative changes in the chain: a mixin for the Django admin of users, groups, member
profiles and organisations. Each save or delete records ``admin_change`` events with object ids
and codes only (what changed field by field is in django-auditlog's history).

``audit`` imports no domain app: an admin names the object type of each of its models (its
own, and those of its inlines) in ``audit_object_types``; users and groups are known here.

Events are written in the admin's own transaction (change and delete views are atomic), so the
change and its events commit together.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from audit.services import audit_record_admin_change
from audit.vocabularies import AdminOperation, ObjectType

_CODE = re.compile(r"^[a-z0-9_]{1,64}\Z")
FLAG_FIELDS = ("is_active", "is_staff", "is_superuser")
M2M_OPERATIONS = {
    "groups": (AdminOperation.GROUPS_ADD, AdminOperation.GROUPS_REMOVE),
    "permissions": (AdminOperation.PERMISSIONS_ADD, AdminOperation.PERMISSIONS_REMOVE),
}


def object_type_for(model, declared: dict | None = None) -> str | None:
    """The audit object type of ``model``: a user or a group, or one ``declared`` by the admin."""
    mapping = {get_user_model(): ObjectType.USER, Group: ObjectType.GROUP, **(declared or {})}
    return mapping.get(model)


def related_code(obj) -> str:
    """A code for a group or permission: its role code / codename when it is one, otherwise
    ``id_<pk>`` (a group name may be free text and is never copied into the chain)."""
    for attr in ("codename", "name"):
        value = getattr(obj, attr, None)
        if isinstance(value, str) and _CODE.match(value):
            return value
    return f"id_{obj.pk}"


def _flag(value) -> str:
    return "true" if value else "false"


class AdminChangeAuditMixin:
    """Add to a ModelAdmin whose model maps to an ObjectType (see ``object_type_for``)."""

    audit_m2m_fields: tuple[str, ...] = ()
    # Model → ObjectType for models other than users and groups (the admin's and its inlines').
    audit_object_types: dict = {}

    def _record(self, request, obj_or_model, pk, operation, **extra):
        model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
        object_type = object_type_for(model, self.audit_object_types)
        if object_type is None:
            return
        audit_record_admin_change(
            actor=request.user, object_type=object_type, object_id=pk, operation=operation, **extra
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._record(
            request, obj, obj.pk, AdminOperation.UPDATE if change else AdminOperation.CREATE
        )
        for name in FLAG_FIELDS:
            if name in getattr(form, "changed_data", ()) and hasattr(obj, name):
                self._record(
                    request,
                    obj,
                    obj.pk,
                    f"set_{name}",
                    from_state=_flag(form.initial.get(name)),
                    to_state=_flag(getattr(obj, name)),
                )

    def save_related(self, request, form, formsets, change):
        instance = form.instance
        before = {
            name: set(getattr(instance, name).all()) if change else set()
            for name in self.audit_m2m_fields
        }
        super().save_related(request, form, formsets, change)
        for name in self.audit_m2m_fields:
            after = set(getattr(instance, name).all())
            added, removed = M2M_OPERATIONS[name]
            for related in sorted(after - before[name], key=lambda o: o.pk):
                self._record(request, instance, instance.pk, added, code=related_code(related))
            for related in sorted(before[name] - after, key=lambda o: o.pk):
                self._record(request, instance, instance.pk, removed, code=related_code(related))

    def save_formset(self, request, form, formset, change):
        deleted = [f.instance.pk for f in formset.deleted_forms if f.instance.pk]
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            self._record(request, obj, obj.pk, AdminOperation.CREATE)
        for obj, _fields in formset.changed_objects:
            self._record(request, obj, obj.pk, AdminOperation.UPDATE)
        for pk in deleted:
            self._record(request, formset.model, pk, AdminOperation.DELETE)

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        self._record(request, type(obj), pk, AdminOperation.DELETE)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            pks = list(queryset.values_list("pk", flat=True))
            super().delete_queryset(request, queryset)
            for pk in pks:
                self._record(request, queryset.model, pk, AdminOperation.DELETE)


class UserAdminAuditMixin(AdminChangeAuditMixin):
    """For the User admin: also group memberships and password changes."""

    audit_m2m_fields = ("groups",)

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                self._record(request, get_user_model(), int(id), AdminOperation.SET_PASSWORD)
        return response


class GroupAdminAuditMixin(AdminChangeAuditMixin):
    audit_m2m_fields = ("permissions",)


class AccessAuditAdminMixin:
    """For read-only admins of case objects: every page that shows one (its change page, its
    history, each row of a list page) records an ``access`` event, as the case pages do.

    Subclasses set ``audit_object_type`` and ``audit_reference(obj)``.
    """

    audit_object_type: str = ""
    list_per_page = 25  # each listed row is one access event

    def audit_reference(self, obj) -> str:
        return ""

    def _record_access(self, request, objects) -> None:
        from audit.services import audit_record_access
        from audit.vocabularies import AuditRole

        with transaction.atomic():
            for obj in objects:
                audit_record_access(
                    actor=request.user,
                    role=AuditRole.ADMINISTRATOR,
                    object_type=self.audit_object_type,
                    object_id=obj.pk,
                    reference=self.audit_reference(obj),
                )

    def _record_from(self, request, response, object_id):
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, object_id)
            if obj is not None:
                self._record_access(request, [obj])
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        return self._record_from(request, response, object_id)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        return self._record_from(request, response, object_id)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        changelist = context.get("cl")
        if request.method == "GET" and response.status_code == 200 and changelist is not None:
            self._record_access(request, list(changelist.result_list))
        return response
