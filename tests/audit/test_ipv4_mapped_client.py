"""Behind gunicorn on a dual-stack socket, REMOTE_ADDR is an IPv4-mapped IPv6 address
(``::ffff:192.0.2.10``). The chain hashes the address as the column stores it, so the chain
still verifies (it was reported ``BROKEN at seq 1`` on SQLite)."""

import pytest
from django.urls import reverse

from audit import chain
from audit.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

MAPPED = "::ffff:192.0.2.10"


@pytest.mark.django_db
def test_a_login_from_an_ipv4_mapped_address_keeps_the_chain_intact(client):
    user = UserFactory()
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR=MAPPED,
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="login")
    assert event.client_ip == MAPPED
    result = chain.verify()
    assert result.ok, result.line()


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["192.0.2.10", "2001:DB8::1", MAPPED])
def test_every_address_form_verifies(client, address):
    user = UserFactory()
    client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=address
    )
    assert AuditEvent.objects.filter(action="login").exists()
    assert chain.verify().ok
