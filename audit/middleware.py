import ipaddress
import uuid

from django.conf import settings

from audit import context


def _client_ip(request) -> str | None:
    # REMOTE_ADDR unless the deployment names a header its own proxy sets (never a header a
    # client could forge, such as a raw X-Forwarded-For).
    header = getattr(settings, "RELAIS_CLIENT_IP_HEADER", "") or "REMOTE_ADDR"
    raw = (request.META.get(header) or "").split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def client_ip_for_axes(request) -> str | None:
    """The address django-axes counts failures against: the same rule as the chain's."""
    return _client_ip(request)


class RequestContextMiddleware:
    """Give each request an id made here and its client IP.

    The id is never taken from the client: an ``X-Request-ID`` header sent by a browser (or
    replayed from someone else's response) would otherwise end up in hashed events.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = uuid.uuid4().hex
        request.request_id = request_id
        token = context.bind(context.RequestContext(request_id, _client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
