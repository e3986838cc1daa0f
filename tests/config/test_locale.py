"""The French catalogue: the committed .mo says what the .po says, and viewflow's strings
that Relais shows come out in French."""

import gettext
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

LOCALE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
ENTRY = re.compile(r'(?:msgctxt "(?P<ctx>[^"]*)"\n)?msgid "(?P<id>[^"]+)"\nmsgstr "(?P<str>[^"]*)"')


def _po_entries():
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    return [m.groupdict() for m in ENTRY.finditer(text)]


def test_compiled_catalogue_matches_the_source():
    with (LOCALE / "django.mo").open("rb") as stream:
        compiled = gettext.GNUTranslations(stream)
    entries = _po_entries()
    assert len(entries) > 50
    for entry in entries:
        assert entry["str"], f"{entry['id']!r} has no French"
        if entry["ctx"]:
            got = compiled.pgettext(entry["ctx"], entry["id"])
        else:
            got = compiled.gettext(entry["id"])
        assert got == entry["str"], f"django.mo is stale for {entry['id']!r}: run make messages"


def test_viewflow_strings_are_french():
    with translation.override("fr"):
        assert _("Artifact") == "Objet suivi"
        assert _("Brief") == "Résumé"
        assert _("Access Forbidden") == "Accès refusé"
        assert pgettext("STATUS", "Done") == "Terminée"
