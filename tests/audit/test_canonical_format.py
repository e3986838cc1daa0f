"""The canonical serialisation, documented in docs/audit.md, recomputed without Relais; and the
PostgreSQL function hashes exactly like the Python code."""

import hashlib
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.db import connection

from audit import chain, exports, selectors
from audit.models import AuditEvent
from audit.services import audit_record
from tests.audit import tamper
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "audit.md"


def independent_hash(row: dict) -> str:
    """docs/audit.md, "Canonical serialisation": 17 lines joined by LF, UTF-8, SHA-256."""
    when = row["occurred_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def text(value):
        return "" if value is None else str(value)

    lines = [
        "relais-audit-v1",
        f"seq={row['seq']}",
        f"occurred_at={when}",
        f"actor_id={text(row['actor_id'])}",
        f"actor={row['actor_username']}",
        f"role={row['role']}",
        f"action={row['action']}",
        f"object_type={row['object_type']}",
        f"object_id={text(row['object_id'])}",
        f"reference={row['reference']}",
        f"transition={row['transition']}",
        f"from_state={row['from_state']}",
        f"to_state={row['to_state']}",
        f"code={row['code']}",
        f"request_id={row['request_id']}",
        f"client_ip={text(row['client_ip'])}",
        f"prev_hash={row['prev_hash']}",
    ]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def test_one_event_recomputed_with_hashlib_only(make_events):
    user = UserFactory(username="élodie.m")
    make_events(2)
    audit_record(
        actor=user,
        role="coordinator",
        action="transition",
        object_type="referral",
        object_id=42,
        reference="VAL-2026-0042",
        transition="return_to_cell",
        from_state="in_assessment",
        to_state="returned",
        code="out_of_scope",
    )
    row = AuditEvent.objects.filter(seq=3).values().get()
    assert row["prev_hash"] == AuditEvent.objects.get(seq=2).hash
    assert independent_hash(row) == row["hash"]
    first = AuditEvent.objects.filter(seq=1).values().get()
    assert first["prev_hash"] == "0" * 64
    assert independent_hash(first) == first["hash"]


def docs_script() -> str:
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(
        r"<!-- verify-export-script:start -->\s*```python\n(.*?)```\s*"
        r"<!-- verify-export-script:end -->",
        text,
        re.S,
    )
    assert block, "docs/audit.md must contain the verification script"
    return block.group(1)


def export_jsonl(path: Path) -> None:
    head = selectors.chain_head()
    path.write_text(
        "".join(exports.lines("jsonl", AuditEvent.objects.all(), head=head)), encoding="utf-8"
    )


def run_script(tmp_path, export: Path):
    script = tmp_path / "verify_export.py"
    script.write_text(docs_script(), encoding="utf-8")
    return subprocess.run(  # noqa: S603 — our own script, our own file
        [sys.executable, str(script), str(export)], capture_output=True, text=True, check=False
    )


def test_the_documented_script_verifies_an_export(tmp_path, make_events):
    make_events(12)
    audit_record(
        actor=UserFactory(username="zoé"), role="auditor", action="login", object_type="session"
    )
    export = tmp_path / "relais-audit.jsonl"
    export_jsonl(export)
    result = run_script(tmp_path, export)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK 13 events"


def test_the_documented_script_catches_an_edited_export(tmp_path, make_events):
    make_events(5)
    export = tmp_path / "relais-audit.jsonl"
    export_jsonl(export)
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    event = json.loads(lines[2])
    event["code"] = "forged"
    lines[2] = json.dumps(event) + "\n"
    export.write_text("".join(lines), encoding="utf-8")
    result = run_script(tmp_path, export)
    assert result.returncode == 1
    assert "BROKEN at seq 3" in result.stderr


TRICKY = [
    {"actor_username": "", "client_ip": None, "object_id": None, "actor_id": None},
    {"actor_username": "éloïse+ß@ville.fr", "client_ip": "2001:db8::1", "object_id": 0},
    {"actor_username": "x", "client_ip": "::ffff:192.0.2.7", "object_id": 2**62},
    {"actor_username": "a.b-c_d", "client_ip": "203.0.113.250", "object_id": 7},
]


@pytest.mark.postgres
@pytest.mark.parametrize("variant", TRICKY)
@pytest.mark.parametrize(
    "when",
    [
        datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 10, 25, 2, 30, 0, 0, tzinfo=timezone(timedelta(hours=2))),
        datetime(1999, 12, 31, 23, 0, 0, 1, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_postgresql_function_and_python_hash_identically(on_postgres, variant, when):
    fields = {
        "occurred_at": when,
        "actor_id": 12,
        "actor_username": "someone",
        "role": "coordinator",
        "action": "transition",
        "object_type": "support_track",
        "object_id": 5,
        "reference": "VAL-2026-0042",
        "transition": "take",
        "from_state": "open",
        "to_state": "assigned",
        "code": "",
        "request_id": "0123456789abcdef0123456789abcdef",
        "client_ip": "192.0.2.1",
    }
    fields.update(variant)
    event = chain._append_postgresql(dict(fields))
    python_hash = chain.compute_hash(dict(fields, seq=event.seq, prev_hash=event.prev_hash))
    assert event.hash == python_hash
    # And what the database stored reads back to the same hash.
    stored = AuditEvent.objects.filter(seq=event.seq).values(*chain.FIELDS, "hash").get()
    assert chain.compute_hash(stored) == stored["hash"] == python_hash


@pytest.mark.postgres
def test_python_and_postgresql_appends_form_one_valid_chain(on_postgres):
    assert connection.vendor == "postgresql"
    # The Python path updates the head row itself: only the owner may.
    tamper.as_owner()
    base = {
        "actor_id": None,
        "actor_username": "",
        "role": "system",
        "action": "transition",
        "object_type": "referral",
        "object_id": 1,
        "reference": "VAL-2026-0001",
        "transition": "request_review",
        "from_state": "in_support",
        "to_state": "in_review",
        "code": "",
        "request_id": "",
        "client_ip": None,
    }
    for i in range(6):
        fields = dict(base, occurred_at=datetime(2026, 1, 1, 12, 0, i, 123 * i, tzinfo=UTC))
        (chain._append_python if i % 2 else chain._append_postgresql)(fields)
    result = chain.verify()
    assert result.ok and result.count == 6, result.line()
