import ipaddress
import re
import uuid

from django.conf import settings

from audit import context

_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


def _client_ip(request) -> str | None:
    # REMOTE_ADDR unless the deployment names a header its own proxy sets (never a header a
    # client could forge, such as a raw X-Forwarded-For).
    header = getattr(settings, "RELAIS_CLIENT_IP_HEADER", "") or "REMOTE_ADDR"
    raw = (request.META.get(header) or "").split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


class RequestContextMiddleware:
    """Give each request an id (or keep the proxy's X-Request-ID) and its client IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "").replace("-", "").lower()
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = context.bind(context.RequestContext(request_id, _client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
