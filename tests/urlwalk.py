"""Walk the URLconf and produce a concrete path for every URL pattern (sample arguments)."""

import uuid

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

SAMPLES = {"int": "1", "str": "x", "slug": "x", "uuid": str(uuid.UUID(int=1)), "path": "x"}


def _route_to_path(route: str, converters: dict) -> str:
    import re

    def fill(match):
        name = match.group("name")
        conv = match.group("conv") or "str"
        return SAMPLES.get(conv, "1") if name else ""

    return re.sub(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>", fill, route)


def walk(patterns=None, prefix=""):
    """Yield (path, callback) for every URL pattern; regex patterns are skipped."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if not isinstance(pattern.pattern, RoutePattern):
            continue
        route = _route_to_path(pattern.pattern._route, pattern.pattern.converters)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            yield "/" + prefix + route, pattern.callback


def is_public(callback) -> bool:
    return getattr(callback, "login_required", True) is False
