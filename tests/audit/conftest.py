import pytest
from django.test import Client

from core.roles import Role
from tests.factories import AuditEventFactory, user_with_role


@pytest.fixture
def auditor(db):
    return user_with_role(Role.AUDITOR, username="auditrice")


@pytest.fixture
def auditor_client(auditor):
    client = Client()
    client.force_login(auditor)
    return client


@pytest.fixture
def make_events(db):
    def make(count, **kwargs):
        return AuditEventFactory.create_batch(count, **kwargs)

    return make
