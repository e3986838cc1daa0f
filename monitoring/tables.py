"""Tables as they are published: the same rows of text for the page, the CSV and the print view.

A ``Table`` holds only display strings, so "the CSV equals the page" holds by construction:
both render ``Table.header``, ``Table.body`` and ``Table.footer``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils.translation import gettext as _

from monitoring.suppression import TOTAL_LABEL, PublishedTable, Suppressed, Value

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


def suppression_notes(values: Iterable[Value], threshold: int) -> list[str]:
    """The legend of the markers present among ``values`` (French)."""
    notes = []
    hidden = [v for v in values if isinstance(v, Suppressed)]
    if any(not v.complementary for v in hidden):
        notes.append(
            _("« < %(t)s » : effectif compris entre 1 et %(max)s, masqué (secret statistique).")
            % {"t": threshold, "max": threshold - 1}
        )
    if any(v.complementary for v in hidden):
        notes.append(
            _(
                "« s » : valeur d'au moins %(t)s masquée pour qu'un petit effectif ne puisse "
                "pas être recalculé à partir des totaux (secret statistique)."
            )
            % {"t": threshold}
        )
    return notes


def withheld_notice(threshold: int) -> str:
    return _(
        "Tableau non publié : ses effectifs sont trop faibles (moins de %(t)s) pour être "
        "diffusés sans risque de réidentification."
    ) % {"t": threshold}


def published_table(
    *, slug: str, title: str, row_header: str, published: PublishedTable, description: str = ""
) -> Table:
    """A suppressed table (strategic group): rendered values, legend, or a withheld notice."""
    header, *body, footer = published.display_rows()
    header[0] = row_header
    return Table(
        slug=slug,
        title=title,
        header=header,
        body=body,
        footer=footer,
        notes=suppression_notes(published.values(), published.threshold),
        withheld_notice=withheld_notice(published.threshold) if published.withheld else "",
        description=description,
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
