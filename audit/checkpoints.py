"""The one-line form of a checkpoint, to keep outside the database.

``relais-checkpoint v1 seq=<n> hash=<64 hex> at=<YYYY-MM-DDTHH:MM:SS.ffffffZ>`` — self-describing,
one line, nothing secret: it can be mailed, printed or written to a write-once store.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.utils.translation import gettext as _

from audit.chain import Checkpoint

LINE_RE = re.compile(
    r"^relais-checkpoint v1 seq=(?P<seq>0|[1-9][0-9]{0,18}) hash=(?P<hash>[0-9a-f]{64}) "
    r"at=(?P<at>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z)$"
)


def parse_line(line: str) -> Checkpoint:
    """A checkpoint kept outside the database; ValueError (French message) if malformed."""
    match = LINE_RE.match((line or "").strip())
    if match is None:
        raise ValueError(
            _(
                "Ligne de point de contrôle invalide : attendu « relais-checkpoint v1 seq=<n> "
                "hash=<64 caractères hexadécimaux> at=<date UTC> »."
            )
        )
    try:
        datetime.fromisoformat(match["at"])
    except ValueError as exc:
        raise ValueError(_("Ligne de point de contrôle invalide : date illisible.")) from exc
    return Checkpoint(int(match["seq"]), match["hash"], kind="external")
