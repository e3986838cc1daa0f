"""On PostgreSQL the export reads COPY's text form and turns whole blocks of rows into CSV or
JSON Lines with a few bytes operations; blocks holding a value that CSV would quote or JSON
escape go through the csv and json writers one record at a time. Both give exactly what the
record-by-record writers give (the reference, as on SQLite), values of every kind included."""

import pytest

from audit import chain, exports, selectors
from audit.models import AuditEvent
from tests.audit import tamper
from tests.audit.test_verify_engines import tricky_chain  # noqa: F401 — fixture

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def reference(export_format, queryset, head, filtered=False):
    """The record-by-record writers (the SQLite path)."""
    records = exports.rows(queryset)
    writer = exports.csv_lines if export_format == "csv" else exports.jsonl_lines
    return "".join(writer(records, head, filtered))


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_BLOCK_BYTES", 700)  # two or three rows


@pytest.mark.parametrize("export_format", ["csv", "jsonl"])
def test_blocks_give_what_the_writers_give(tricky_chain, export_format):  # noqa: F811
    head = selectors.chain_head()
    pieces = list(exports.lines(export_format, AuditEvent.objects.all(), head=head))
    assert len(pieces) > 5  # streamed in blocks
    assert "".join(pieces) == reference(export_format, AuditEvent.objects.all(), head)


@pytest.mark.parametrize("export_format", ["csv", "jsonl"])
def test_filtered_export_through_copy(tricky_chain, export_format):  # noqa: F811
    head = selectors.chain_head()
    queryset = selectors.events(
        selectors.EventFilter(reference="VAL-2026-0042"), up_to_seq=head[0] - 2
    )
    text = "".join(exports.lines(export_format, queryset, head=head, filtered=True))
    assert text == reference(export_format, queryset, head, filtered=True)
    assert text.count("\n") == head[0] - 2 + 1 + (export_format == "csv")


@pytest.mark.parametrize("export_format", ["csv", "jsonl"])
@pytest.mark.parametrize(
    "value", ["a;b", 'a"b', "a\\b", "a\nb", "a\rb", "a\tb", "a\x1eb", "é\x7f", "null"]
)
def test_values_that_need_quoting_or_escaping(tricky_chain, export_format, value):  # noqa: F811
    """Possible only in a tampered chain (every value is validated), and exported as it is."""
    tamper.drop_triggers()
    tamper.edit(6, actor_username=value)
    head = selectors.chain_head()
    text = "".join(exports.lines(export_format, AuditEvent.objects.all(), head=head))
    assert text == reference(export_format, AuditEvent.objects.all(), head)
    assert chain.verify(engine="python").reason_code == "hash_mismatch"
