"""Exports (page and command): CSV and JSON Lines parsed back equal the events, empty exports
are valid files, every export is recorded in the chain, the page streams."""

import csv
import io
import json
from datetime import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import StreamingHttpResponse

from audit import chain
from audit.exports import EXPORT_FIELDS
from audit.models import AuditEvent
from audit.services import audit_record
from tests.factories import AuditEventFactory, UserFactory

pytestmark = pytest.mark.django_db

INTS = ("seq", "actor_id", "object_id")


@pytest.fixture
def events(db):
    user = UserFactory(username="zoé.b")
    AuditEventFactory.create_batch(3, reference="VAL-2026-0007")
    audit_record(
        actor=user,
        role="coordinator",
        action="transition",
        object_type="support_track",
        object_id=9,
        reference="VAL-2026-0007",
        transition="take",
        from_state="open",
        to_state="assigned",
        code="social",
    )
    AuditEventFactory.create_batch(2, reference="VAL-2026-0008")
    return list(AuditEvent.objects.order_by("seq"))


def model_rows(queryset=None):
    rows = []
    for event in (queryset or AuditEvent.objects.all()).order_by("seq"):
        row = {name: getattr(event, name) for name in EXPORT_FIELDS}
        row["client_ip"] = str(row["client_ip"]) if row["client_ip"] is not None else None
        rows.append(row)
    return rows


def body(text):
    """The export without its trailer line (test_export_trailer.py checks the trailer)."""
    lines = text.splitlines(keepends=True)
    assert lines and ("relais-export-end" in lines[-1] or "relais_export_end" in lines[-1])
    return "".join(lines[:-1])


def parse_csv(text):
    # The project's CSV convention: a UTF-8 byte-order mark, then ";"-separated values.
    assert text.startswith("\ufeff"), "CSV exports start with a BOM"
    reader = csv.DictReader(io.StringIO(body(text)[1:]), delimiter=";")
    assert tuple(reader.fieldnames) == EXPORT_FIELDS
    rows = []
    for record in reader:
        row = {name: (value if value != "" else None) for name, value in record.items()}
        for name in INTS:
            row[name] = int(row[name]) if row[name] is not None else None
        row["occurred_at"] = datetime.fromisoformat(row["occurred_at"])
        for name in (
            "actor_username",
            "reference",
            "transition",
            "from_state",
            "to_state",
            "code",
            "request_id",
        ):
            row[name] = row[name] or ""
        rows.append(row)
    return rows


def parse_jsonl(text):
    rows = []
    for line in body(text).splitlines():
        row = json.loads(line)
        assert list(row) == list(EXPORT_FIELDS)
        row["occurred_at"] = datetime.fromisoformat(row["occurred_at"])
        rows.append(row)
    return rows


def page_export(client, fmt, **params):
    response = client.get(f"/audit/export/{fmt}/", params)
    assert response.status_code == 200, response.content[:500]
    assert isinstance(response, StreamingHttpResponse)
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content).decode("utf-8")


def test_csv_round_trip(auditor_client, events):
    expected = model_rows(AuditEvent.objects.filter(seq__lte=events[-1].seq + 1))
    parsed = parse_csv(page_export(auditor_client, "csv"))
    # The export covers the head when it started (including the auditor's login event).
    assert parsed == expected


def test_jsonl_round_trip(auditor_client, events):
    expected = model_rows()
    parsed = parse_jsonl(page_export(auditor_client, "jsonl"))
    assert parsed == expected


def test_exported_rows_reverify(auditor_client, events):
    for row in parse_jsonl(page_export(auditor_client, "jsonl")):
        values = dict(row)
        assert chain.compute_hash(values) == row["hash"]


def test_export_of_the_current_filter(auditor_client, events):
    parsed = parse_jsonl(page_export(auditor_client, "jsonl", reference="VAL-2026-0007"))
    assert [r["seq"] for r in parsed] == [e.seq for e in events if e.reference == "VAL-2026-0007"]
    parsed = parse_csv(page_export(auditor_client, "csv", actor="zoé.b"))
    assert [r["code"] for r in parsed] == ["social"]


def test_empty_export_is_a_valid_file(auditor_client, events):
    text = page_export(auditor_client, "csv", reference="VAL-2099-9999")
    assert body(text) == "\ufeff" + ";".join(EXPORT_FIELDS) + "\n"
    assert parse_csv(text) == []
    # (The first export is recorded with its reference: use another one.)
    assert body(page_export(auditor_client, "jsonl", reference="VAL-2099-9998")) == ""


def test_each_page_export_is_recorded(auditor, auditor_client, events):
    head = AuditEvent.objects.order_by("-seq").first().seq
    page_export(auditor_client, "csv", reference="VAL-2026-0007")
    recorded = AuditEvent.objects.order_by("-seq").first()
    assert recorded.seq == head + 1
    assert (recorded.action, recorded.object_type, recorded.code) == ("export", "audit_log", "csv")
    assert (recorded.actor_id, recorded.role) == (auditor.pk, "auditor")
    assert (recorded.object_id, recorded.reference) == (head, "VAL-2026-0007")
    page_export(auditor_client, "jsonl")
    assert AuditEvent.objects.order_by("-seq").first().code == "jsonl"
    assert chain.verify().ok


def test_invalid_export_filter_is_a_french_400_and_not_recorded(auditor_client, events):
    count = AuditEvent.objects.count()
    response = auditor_client.get("/audit/export/csv/", {"reference": "Jean Dupont"})
    assert response.status_code == 400
    assert "Référence invalide" in response.content.decode()
    assert AuditEvent.objects.count() == count


def command_export(*args):
    out = io.StringIO()
    call_command("audit_export", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_command_writes_the_same_content_as_the_page(auditor_client, events, fmt, tmp_path):
    page = body(page_export(auditor_client, fmt, reference="VAL-2026-0007"))
    page_event = AuditEvent.objects.order_by("-seq").first()
    command = body(command_export("--format", fmt, "--reference", "VAL-2026-0007"))
    # Same serializer; the command's head is one later: the page's own export event (which
    # carries the reference it was limited to) follows.
    assert command.startswith(page)
    extra = command[len(page) :].splitlines()
    assert len(extra) == 1 and str(page_event.hash) in extra[0]
    target = tmp_path / f"export.{fmt}"
    command_export("--format", fmt, "--reference", "VAL-2026-0007", "--output", str(target))
    assert body(target.read_text(encoding="utf-8")).startswith(command)
    recorded = AuditEvent.objects.order_by("-seq").first()
    assert (recorded.action, recorded.role, recorded.code) == ("export", "system", fmt)


def test_command_full_export_round_trips(events):
    assert parse_jsonl(command_export("--format", "jsonl")) == model_rows(
        AuditEvent.objects.filter(seq__lte=events[-1].seq)
    )


def test_command_period_options(events):
    today = events[0].occurred_at.astimezone().date().isoformat()
    assert len(parse_csv(command_export("--format", "csv", "--since", today))) == len(events)
    assert parse_csv(command_export("--format", "csv", "--until", "2001-01-01")) == []


@pytest.mark.parametrize(
    "args,message",
    [
        (["--since", "hier"], "Saisissez une date valide"),
        (["--reference", "Jean Dupont"], "Référence invalide"),
        (["--since", "2026-02-02", "--until", "2026-02-01"], "La date de début"),
    ],
)
def test_command_refuses_bad_options_in_french(db, args, message):
    with pytest.raises(CommandError, match=message):
        command_export("--format", "csv", *args)
    assert not AuditEvent.objects.exists()


def test_export_streams_in_chunks(auditor_client, make_events, monkeypatch):
    """The page reads the table through an iterator (constant memory), not a list: pieces of
    whole lines (one line each on SQLite, blocks of about EXPORT_BLOCK_BYTES on PostgreSQL)."""
    from audit import exports

    make_events(30)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 7)
    monkeypatch.setattr(exports, "EXPORT_BLOCK_BYTES", 1000)
    response = auditor_client.get("/audit/export/jsonl/")
    chunks = [chunk.decode() for chunk in response.streaming_content]
    # Every event but the export's own, then the trailer.
    assert "".join(chunks).count("\n") == AuditEvent.objects.count() - 1 + 1
    assert len(chunks) > 5
    assert all(chunk.endswith("\n") for chunk in chunks)
