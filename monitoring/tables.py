"""Tables as they are published: the same rows of text for the page, the CSV and the print view.

A ``Table`` holds only display strings, so "the CSV equals the page" holds by construction:
both render ``Table.header``, ``Table.body`` and ``Table.footer``.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.http import HttpResponse

TOTAL_LABEL = "Total"
CSV_DELIMITER = ";"  # what spreadsheet software expects in a French locale
# A cell starting with one of these would be run as a formula by spreadsheet software
# (organisation and commune names are typed by administrators): it is written after a quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


@dataclass
class Table:
    slug: str
    title: str
    header: list[str]
    body: list[list[str]]
    footer: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    # Set when the table must not be published (small counts): the notice replaces it.
    withheld_notice: str = ""
    description: str = ""
    chart: str = ""  # safe inline SVG, rendered before the table

    @property
    def wide(self) -> bool:
        """Many columns: the page gives the table a full row."""
        return len(self.header) > 4

    @property
    def withheld(self) -> bool:
        return bool(self.withheld_notice)

    def rows(self) -> list[list[str]]:
        """What is published: header, body and footer; or the notice of a withheld table."""
        if self.withheld:
            return [[self.withheld_notice]]
        return [self.header, *self.body, *([self.footer] if self.footer else [])]

    def csv_rows(self) -> list[list[str]]:
        """The published rows, then (after an empty line) the notes, one per line."""
        rows = self.rows()
        if self.notes and not self.withheld:
            rows = [*rows, [], *([note] for note in self.notes)]
        return rows


def count_table(
    *,
    slug: str,
    title: str,
    row_header: str,
    row_labels: Sequence,
    column_labels: Sequence,
    counts: Sequence[Sequence[int]],
    totals: bool = True,
    description: str = "",
) -> Table:
    """A table of counts published as they are (State delegates' monitoring, no suppression),
    with row and column totals unless ``totals`` is false. A single column gets no row
    total (it would repeat the cell)."""
    single = len(column_labels) == 1
    header = [row_header, *(str(c) for c in column_labels)]
    body = [
        [str(label), *(str(v) for v in row)] for label, row in zip(row_labels, counts, strict=True)
    ]
    footer = None
    if totals:
        column_totals = [sum(row[j] for row in counts) for j in range(len(column_labels))]
        footer = [TOTAL_LABEL, *(str(v) for v in column_totals)]
        if not single:
            header.append(TOTAL_LABEL)
            for line, row in zip(body, counts, strict=True):
                line.append(str(sum(row)))
            footer.append(str(sum(column_totals)))
    return Table(
        slug=slug, title=title, header=header, body=body, footer=footer, description=description
    )


def csv_response(tables: Sequence[Table], filename: str) -> HttpResponse:
    """A CSV download (UTF-8 with BOM, ";"-separated) of one or more tables; several tables
    are separated by an empty line and introduced by their title."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    several = len(tables) > 1
    for index, table in enumerate(tables):
        if several:
            if index:
                writer.writerow([])
            writer.writerow([table.title])
        writer.writerows([_csv_cell(cell) for cell in row] for row in table.csv_rows())
    return response


def parse_csv(content: bytes) -> list[list[str]]:
    """Read back a CSV produced by :func:`csv_response` (used by tests and checks)."""
    text = content.decode("utf-8-sig")
    return list(csv.reader(text.splitlines(), delimiter=CSV_DELIMITER))
