from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from audit.admin_audit import AdminChangeAuditMixin, GroupAdminAuditMixin, UserAdminAuditMixin
from audit.vocabularies import ObjectType
from directory.fields import ChoiceSetField
from directory.models import Commune, MemberProfile, Organisation

User = get_user_model()

# What the admin-change events of the chain call each directory model.
AUDIT_OBJECT_TYPES = {
    MemberProfile: ObjectType.MEMBER_PROFILE,
    Organisation: ObjectType.ORGANISATION,
}


@admin.register(Organisation)
class OrganisationAdmin(AdminChangeAuditMixin, admin.ModelAdmin):
    audit_object_types = AUDIT_OBJECT_TYPES
    list_display = ("name", "kind", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)


@admin.register(MemberProfile)
class MemberProfileAdmin(AdminChangeAuditMixin, admin.ModelAdmin):
    audit_object_types = AUDIT_OBJECT_TYPES
    list_display = ("user", "organisation", "domains", "capacity", "active")
    list_filter = ("organisation", "active")
    list_select_related = ("user", "organisation")
    search_fields = ("user__username", "organisation__name")
    autocomplete_fields = ("user", "organisation")
    # The admin's default CharField widget is a text input; domains are a set of codes.
    formfield_overrides = {ChoiceSetField: {"widget": forms.CheckboxSelectMultiple}}


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ("name", "insee_code", "postal_code", "active")
    list_filter = ("active",)
    search_fields = ("name", "insee_code", "postal_code")


class MemberProfileInline(admin.StackedInline):
    model = MemberProfile
    can_delete = False
    extra = 0
    autocomplete_fields = ("organisation",)
    formfield_overrides = {ChoiceSetField: {"widget": forms.CheckboxSelectMultiple}}


admin.site.unregister(User)


@admin.register(User)
class RelaisUserAdmin(UserAdminAuditMixin, UserAdmin):
    audit_object_types = AUDIT_OBJECT_TYPES  # the member profile inline
    inlines = [MemberProfileInline]
    list_display = ("username", "email", "is_active", "is_staff", "role_list")
    list_filter = ("is_active", "is_staff", "groups")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="rôles")
    def role_list(self, obj):
        return ", ".join(sorted(g.name for g in obj.groups.all()))


# Administrative changes of users, groups, memberships and organisations are recorded in the
# audit chain (audit/admin_audit.py).
admin.site.unregister(Group)


@admin.register(Group)
class RelaisGroupAdmin(GroupAdminAuditMixin, GroupAdmin):
    pass
