"""Signed anchors outside the database: ``audit_checkpoint`` writes them, ``audit_verify``
always checks them; a forged or unreadable anchor is reported, never trusted."""

import base64
import os
import stat
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit import anchors, chain
from audit.models import AuditEvent, ChainHead
from tests.audit.test_verify_command import run_verify

pytestmark = pytest.mark.django_db


def checkpoint_lines():
    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    return out.getvalue().splitlines()


def test_checkpoint_writes_a_signed_read_only_anchor(make_events, anchor_dir, anchor_keys):
    make_events(4)
    head = ChainHead.objects.get(pk=1)
    checkpoint_line, anchor_line = checkpoint_lines()
    assert checkpoint_line.startswith(f"relais-checkpoint v1 seq=4 hash={head.hash} at=")
    (path,) = anchor_dir.iterdir()
    assert path.read_text() == anchor_line + "\n"
    assert not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    keys = anchors.load_public_keys([anchor_keys[1]])
    anchor = anchors.parse_line(anchor_line, keys)
    assert (anchor.seq, anchor.hash) == (4, head.hash)
    assert anchor_line.startswith(f"relais-anchor v1 seq=4 hash={head.hash} at=")
    assert run_verify()[0] == 0
    assert chain.verify().anchor_count == 1


def test_an_anchor_file_is_never_replaced(anchor_dir, anchor_keys):
    key = anchors.load_private_key(anchor_keys[0])
    anchor = anchors.anchor_sign(
        seq=3, digest="a" * 64, at=datetime(2026, 1, 1, tzinfo=UTC), private_key=key
    )
    anchors.anchor_write(anchor, anchor_dir)
    with pytest.raises(anchors.AnchorError, match="existe déjà"):
        anchors.anchor_write(anchor, anchor_dir)


def plant(anchor_dir, name, text):
    (anchor_dir / name).write_text(text, encoding="ascii")


NAME = "anchor-00000000000000000002-20260101T000000000000Z.txt"


@pytest.mark.parametrize(
    ("tampering", "why"),
    [
        (lambda line: line.replace("seq=3 ", "seq=2 "), "invalid signature"),
        (lambda line: line.replace(line[-10:-2], "AAAAAAAA"), "invalid signature"),
        (lambda line: line.replace("key=", "key=0")[: len(line)], "not a relais-anchor"),
        (lambda line: "garbage", "not a relais-anchor"),
        (lambda line: line + "\n" + line, "expected exactly one line"),
    ],
)
def test_a_forged_or_damaged_anchor_breaks_verification(make_events, anchor_dir, tampering, why):
    make_events(3)
    checkpoint_lines()
    (path,) = anchor_dir.iterdir()
    line = path.read_text().strip()
    plant(anchor_dir, NAME, tampering(line))
    code, result = run_verify()
    assert code == 1
    assert result.startswith(f"BROKEN at seq 0: anchor {NAME} cannot be trusted ({why}")
    assert chain.verify().reason_code == "anchor_invalid"


def test_an_anchor_signed_with_another_key_is_not_trusted(make_events, anchor_dir, tmp_path):
    make_events(2)
    anchors.keys_generate(private_path=tmp_path / "k.pem", public_path=tmp_path / "p.pem")
    other = anchors.load_private_key(tmp_path / "k.pem")
    head = ChainHead.objects.get(pk=1)
    forged = anchors.anchor_sign(
        seq=2, digest=head.hash, at=datetime(2026, 1, 1, tzinfo=UTC), private_key=other
    )
    plant(anchor_dir, NAME, forged.line)
    code, result = run_verify()
    assert code == 1 and "signed with an unknown key" in result


def test_other_files_of_the_directory_are_ignored(make_events, anchor_dir):
    make_events(2)
    plant(anchor_dir, "README.txt", "not an anchor")
    assert run_verify()[0] == 0


def test_verify_refuses_to_run_without_an_anchor_directory(settings, make_events):
    settings.RELAIS_AUDIT_ANCHOR_DIR = ""
    with pytest.raises(CommandError, match="RELAIS_AUDIT_ANCHOR_DIR") as excinfo:
        call_command("audit_verify", stdout=StringIO())
    assert excinfo.value.returncode == 2


def test_checkpoint_without_anchor_configuration_writes_nothing(settings, make_events):
    make_events(1)
    settings.RELAIS_AUDIT_SIGNING_KEY_FILE = ""
    with pytest.raises(CommandError, match="Ancres non configurées"):
        call_command("audit_checkpoint", stdout=StringIO())
    assert AuditEvent.objects.count() == 1
    out = StringIO()
    call_command("audit_checkpoint", "--no-anchor", stdout=out)
    assert len(out.getvalue().splitlines()) == 1
    assert AuditEvent.objects.count() == 2


def test_unreadable_signing_key_records_no_checkpoint(settings, make_events, tmp_path):
    make_events(1)
    settings.RELAIS_AUDIT_SIGNING_KEY_FILE = str(tmp_path / "missing.pem")
    settings.RELAIS_ENV = "production"  # no key generated on first use
    with pytest.raises(CommandError, match="Clé de signature illisible"):
        call_command("audit_checkpoint", stdout=StringIO())
    assert AuditEvent.objects.count() == 1


def test_development_generates_its_key_pair_on_first_use(settings, make_events, tmp_path):
    make_events(1)
    settings.RELAIS_ENV = "development"
    settings.RELAIS_AUDIT_SIGNING_KEY_FILE = str(tmp_path / "keys" / "signing.pem")
    settings.RELAIS_AUDIT_PUBLIC_KEY_FILES = [str(tmp_path / "keys" / "public.pem")]
    checkpoint_lines()
    assert stat.S_IMODE(os.stat(tmp_path / "keys" / "signing.pem").st_mode) == 0o600
    assert run_verify()[0] == 0


def test_key_command_writes_a_pair_and_never_overwrites(tmp_path):
    private, public = tmp_path / "signing.pem", tmp_path / "public.pem"
    out = StringIO()
    call_command("audit_anchor_keys", "--private-key", private, "--public-key", public, stdout=out)
    assert "privée" in out.getvalue()
    key = anchors.load_private_key(private)
    assert anchors.key_id(key.public_key()) in anchors.load_public_keys([public])
    before = private.read_bytes()
    with pytest.raises(CommandError, match="existe déjà"):
        call_command("audit_anchor_keys", "--private-key", private, "--public-key", public)
    assert private.read_bytes() == before


def test_signature_covers_the_whole_statement(anchor_keys):
    key = anchors.load_private_key(anchor_keys[0])
    anchor = anchors.anchor_sign(
        seq=7, digest="b" * 64, at=datetime(2026, 5, 1, 12, tzinfo=UTC), private_key=key
    )
    public = key.public_key()
    public.verify(
        anchor.signature,
        b"relais-anchor v1 seq=7 hash=" + b"b" * 64 + b" at=2026-05-01T12:00:00.000000Z",
    )
    assert base64.b64decode(anchor.line.rsplit("sig=", 1)[1]) == anchor.signature
