"""The cell's pseudonymous reference: the only identifier of a referral in Relais."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 40


def reference_pattern() -> re.Pattern:
    return re.compile(settings.RELAIS_REFERENCE_PATTERN, flags=re.ASCII)


@deconstructible
class ReferenceValidator:
    """Full match of RELAIS_REFERENCE_PATTERN (default like ``VAL-2026-0042``).

    The message never repeats the value: what was typed by mistake may be a name or a phone
    number, which must not travel further (pages, logs).
    """

    message = _(
        "Référence invalide : saisissez uniquement la référence pseudonyme attribuée par la "
        "cellule, au format %(example)s (jamais un nom, une adresse, un numéro de téléphone "
        "ou de sécurité sociale)."
    )

    def __call__(self, value):
        if (
            not isinstance(value, str)
            or len(value) > MAX_LENGTH
            or not reference_pattern().fullmatch(value)
        ):
            raise ValidationError(
                self.message,
                code="invalid_reference",
                params={"example": settings.RELAIS_REFERENCE_EXAMPLE},
            )

    def __eq__(self, other):
        return isinstance(other, ReferenceValidator)
