"""The transition runner (``transitions.runner``): the one path every state change takes.

It sits above ``audit`` (it writes the audit event) and ``core`` (error type, roles), and below
the domain apps whose services call it.
"""
