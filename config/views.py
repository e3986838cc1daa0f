"""Project-level views: the role-based landing page and the health check."""

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.landing import landing_url_for


@never_cache
def home(request):
    """Send each user to the page of their role (the first one, in the order of ROLE_HOMES)."""
    url = landing_url_for(request.user)
    if url is None:
        return render(request, "relais/no_role.html", status=403)
    return redirect(url)


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """200 with a small JSON body when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
