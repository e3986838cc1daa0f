"""Optionally, ``audit_checkpoint`` also sends each signed anchor's line to syslog
(``RELAIS_AUDIT_ANCHOR_SYSLOG``: ``host:port`` over UDP, or a Unix socket path), another copy
kept outside the database by the log host. Tested with a local UDP socket."""

import re
import socket
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit import anchors
from audit.models import AuditCheckpoint, ChainHead

pytestmark = pytest.mark.django_db


@pytest.fixture
def udp_receiver():
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    yield receiver
    receiver.close()


def test_checkpoint_sends_the_signed_anchor_to_syslog(
    settings, udp_receiver, make_events, anchor_keys, anchor_dir
):
    settings.RELAIS_AUDIT_ANCHOR_SYSLOG = f"127.0.0.1:{udp_receiver.getsockname()[1]}"
    make_events(3)
    head = ChainHead.objects.get(pk=1).hash
    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    anchor_line = out.getvalue().splitlines()[1]
    message = udp_receiver.recv(4096).decode()
    # <priority>ident line: facility authpriv (10), severity notice (5): 10 * 8 + 5 = 85.
    match = re.fullmatch(r"<85>relais-audit: (relais-anchor v1 .*)\x00", message)
    assert match, message
    assert match[1] == anchor_line
    assert (anchor_dir / next(p.name for p in anchor_dir.iterdir())).read_text() == (
        anchor_line + "\n"
    )
    anchor = anchors.parse_line(match[1], anchors.load_public_keys([anchor_keys[1]]))
    assert (anchor.seq, anchor.hash) == (3, head)


def test_unreachable_syslog_stops_the_checkpoint(settings, make_events, tmp_path):
    settings.RELAIS_AUDIT_ANCHOR_SYSLOG = str(tmp_path / "no-such-socket")
    make_events(2)
    with pytest.raises(CommandError, match="Envoi de l'ancre à syslog impossible"):
        call_command("audit_checkpoint", stdout=StringIO())
    assert not AuditCheckpoint.objects.exists()


@pytest.mark.parametrize("address", ["localhost", "localhost:port", ":514"])
def test_malformed_syslog_address_is_refused_in_french(address):
    with pytest.raises(anchors.AnchorError, match="hôte:port"):
        anchors.syslog_address(address)


def test_syslog_is_off_by_default(settings, make_events, monkeypatch):
    sent = []
    monkeypatch.setattr(anchors, "syslog_send", lambda *args: sent.append(args))
    make_events(1)
    call_command("audit_checkpoint", stdout=StringIO())
    assert sent == []
