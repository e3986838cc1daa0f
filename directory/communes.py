"""Reading a territory's communes from CSV (columns insee_code, name, postal_code)."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from directory.models import insee_code_validator, postal_code_validator

DEFAULT_COMMUNES_CSV = (
    Path(__file__).resolve().parent.parent / "data" / ("communes-valenciennes-metropole.csv")
)
COLUMNS = ("insee_code", "name", "postal_code")


@dataclass(frozen=True)
class CommuneRow:
    insee_code: str
    name: str
    postal_code: str


def communes_parse_csv(lines) -> list[CommuneRow]:
    """Parse and validate every row; raise ApplicationError naming the first bad line."""
    reader = csv.DictReader(lines)
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ApplicationError(
            _("En-tête attendu : %(expected)s ; trouvé : %(found)s.")
            % {"expected": ",".join(COLUMNS), "found": ",".join(reader.fieldnames or [])}
        )
    rows: list[CommuneRow] = []
    seen: set[str] = set()
    for number, raw in enumerate(reader, start=2):
        row = CommuneRow(
            insee_code=(raw.get("insee_code") or "").strip(),
            name=(raw.get("name") or "").strip(),
            postal_code=(raw.get("postal_code") or "").strip(),
        )
        try:
            insee_code_validator(row.insee_code)
            postal_code_validator(row.postal_code)
        except ValidationError as exc:
            raise ApplicationError(
                _("Ligne %(line)d : %(error)s") % {"line": number, "error": exc.messages[0]}
            ) from exc
        if not row.name or len(row.name) > 120:
            raise ApplicationError(_("Ligne %(line)d : nom de commune absent.") % {"line": number})
        if row.insee_code in seen:
            raise ApplicationError(
                _("Ligne %(line)d : code INSEE %(code)s en double.")
                % {"line": number, "code": row.insee_code}
            )
        seen.add(row.insee_code)
        rows.append(row)
    if not rows:
        raise ApplicationError(_("Le fichier ne contient aucune commune."))
    return rows
