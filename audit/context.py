"""The request an audited action belongs to (request id, client IP), kept in a contextvar.

Set by ``audit.middleware.RequestContextMiddleware`` for web requests; commands and timers run
without one (empty request id, no IP).
"""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_ip: str | None = None


_EMPTY = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("relais_request_context", default=_EMPTY)


def current() -> RequestContext:
    return _current.get()


def bind(context: RequestContext):
    return _current.set(context)


def reset(token) -> None:
    _current.reset(token)
