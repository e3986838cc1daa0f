"""Guards: pure django-fsm-2 conditions that carry the French message shown when they fail."""

from collections.abc import Callable


def guard(message: str) -> Callable:
    """Mark a pure FSM condition with the French message shown when it fails."""

    def decorate(func):
        func.message = message
        return func

    return decorate
