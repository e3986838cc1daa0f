"""One transaction per public write, and no savepoint that serves nothing.

Django's ``transaction.atomic`` nested inside another one creates a savepoint (two more round
trips: ``SAVEPOINT`` and ``RELEASE``). On the transition path the inner blocks never need one:
every caller of a domain service lets a refusal leave its own ``atomic()`` block, which rolls
the whole transaction back. ``joined`` opens a transaction when there is none, and otherwise
runs in the caller's — without a savepoint and without marking the caller's transaction for
rollback (``atomic(savepoint=False)`` would, on any refusal).

Contract of a function decorated with ``joined``: called inside a transaction, an exception
it raises must leave that transaction's ``atomic()`` block (the caller must not catch it and
go on writing). A savepoint that serves something stays a plain ``transaction.atomic()``
(e.g. an ``IntegrityError`` recovered from while the transaction goes on).
"""

from __future__ import annotations

import functools
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def _joined_block(using=None):
    if transaction.get_connection(using).in_atomic_block:
        yield
    else:
        with transaction.atomic(using=using):
            yield


def joined(func=None, *, using=None):
    """Decorator or context manager: the caller's transaction, or a new one."""
    if func is None:
        return _joined_block(using)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _joined_block(using):
            return func(*args, **kwargs)

    return wrapper
