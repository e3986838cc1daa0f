from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from referrals.models import Referral


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    """Read-only: referrals change only through the services (and their audit events)."""

    list_display = ("reference", "received_on", "commune", "state", "priority", "next_review_on")
    list_filter = ("state", "priority", "age_bracket")
    list_select_related = ("commune",)
    search_fields = ("reference",)
    actions = None
