"""Every export ends with a trailer (count, last seq, head hash), so a cut file is detected:
by ``audit_verify_export`` and by the stdlib-only script of docs/audit.md."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from audit import exports, selectors
from audit.export_check import check_export
from audit.models import AuditEvent, ChainHead
from tests.audit.test_canonical_format import run_script

pytestmark = pytest.mark.django_db


def export(fmt, *args):
    out = StringIO()
    call_command("audit_export", "--format", fmt, *args, stdout=out)
    return out.getvalue()


def verify_export(tmp_path, text):
    path = tmp_path / "export.txt"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    try:
        call_command("audit_verify_export", str(path), stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue().strip()
    return 0, out.getvalue().strip()


@pytest.fixture
def chain_of_twelve(make_events):
    make_events(12)
    return ChainHead.objects.get(pk=1)


def test_jsonl_trailer_states_count_last_seq_and_head(chain_of_twelve):
    lines = export("jsonl").splitlines()
    assert json.loads(lines[-1]) == {
        "relais_export_end": "v1",
        "count": 12,
        "last_seq": 12,
        "head_hash": chain_of_twelve.hash,
        "filtered": False,
    }
    assert len(lines) == 13


def test_csv_trailer(chain_of_twelve):
    reference = AuditEvent.objects.get(seq=3).reference
    lines = export("csv", "--reference", reference).splitlines()
    assert lines[-1] == (
        f"# relais-export-end v1 count=1 last_seq=12 head_hash={chain_of_twelve.hash} filtered=1"
    )


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_complete_export_verifies(chain_of_twelve, tmp_path, fmt):
    assert verify_export(tmp_path, export(fmt)) == (
        0,
        f"OK 12 events (complete), up to seq 12, head {chain_of_twelve.hash}",
    )


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        (lambda text: text[: len(text) // 2], "no trailer: the file is cut"),
        (lambda text: "".join(text.splitlines(keepends=True)[:-3]), "no trailer"),
        (lambda text: text[:-5], ""),  # inside the trailer itself
        (lambda text: "", "empty file"),
    ],
)
def test_a_cut_export_is_detected(chain_of_twelve, tmp_path, fmt, cut, reason):
    code, line = verify_export(tmp_path, cut(export(fmt)))
    assert code == 1 and line.startswith("BROKEN: ") and reason in line, line


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_lines_removed_before_the_trailer_are_detected(chain_of_twelve, tmp_path, fmt):
    lines = export(fmt).splitlines(keepends=True)
    cut = "".join(lines[:-4] + lines[-1:])  # the last three events dropped, trailer kept
    assert verify_export(tmp_path, cut) == (
        1,
        "BROKEN: the trailer announces 12 events but the file holds 9",
    )


def test_a_filtered_export_checks_its_count(chain_of_twelve, tmp_path):
    text = export("jsonl", "--reference", AuditEvent.objects.get(seq=4).reference)
    assert verify_export(tmp_path, text)[1].startswith("OK 1 events (filtered)")
    lines = text.splitlines(keepends=True)
    assert verify_export(tmp_path, lines[-1])[0] == 1


def test_an_edited_event_is_detected(chain_of_twelve, tmp_path):
    lines = export("jsonl").splitlines(keepends=True)
    event = json.loads(lines[4])
    event["code"] = "forged"
    lines[4] = json.dumps(event) + "\n"
    assert verify_export(tmp_path, "".join(lines)) == (
        1,
        "BROKEN: seq 5: hash does not match the event's content",
    )


def test_the_documented_script_detects_a_cut_file(chain_of_twelve, tmp_path):
    text = export("jsonl")
    path = tmp_path / "relais-audit.jsonl"
    path.write_text(text, encoding="utf-8")
    assert run_script(tmp_path, path).stdout.strip() == "OK 12 events"
    for cut in (text[: len(text) // 2], "".join(text.splitlines(keepends=True)[:6])):
        path.write_text(cut, encoding="utf-8")
        result = run_script(tmp_path, path)
        assert result.returncode == 1 and "no trailer" in result.stderr
    lines = text.splitlines(keepends=True)
    path.write_text("".join(lines[:-4] + lines[-1:]), encoding="utf-8")
    result = run_script(tmp_path, path)
    assert result.returncode == 1 and "announces 12 events" in result.stderr


def test_check_export_of_an_empty_chain(db):
    text = "".join(
        exports.lines("jsonl", selectors.events(selectors.EventFilter()), head=(0, "0" * 64))
    )
    assert check_export(text.splitlines(keepends=True)).ok


@pytest.mark.postgres
def test_the_export_cursor_is_not_held(on_postgres, make_events):
    """Declared inside a transaction, without WITH HOLD: PostgreSQL streams the rows instead
    of materialising the whole result in a temporary file first."""
    make_events(5)
    rows = exports.rows(selectors.events(selectors.EventFilter()))
    next(rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT is_holdable FROM pg_cursors WHERE name = 'relais_audit_export'")
        assert cursor.fetchall() == [(False,)]
    assert len(list(rows)) == 4
