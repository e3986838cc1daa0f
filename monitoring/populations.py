"""What the strategic group's indicators count: three populations and their tables.

Referrals received (by five coded attributes), referrals closed (a count) and support tracks
ended (by domain, by outcome). The tracks were once one domain x outcome table; they are now
two one-way tables sharing their total, because a two-way table with both margins cannot be
protected by grouping categories (docs/monitoring.md, "table redesign").
"""

from __future__ import annotations

from directory.vocabularies import SupportDomain
from monitoring.disclosure import Population
from referrals.vocabularies import AgeBracket, PlaceTypology, YesNoUnknown
from support.vocabularies import Outcome, TrackState

INTERRUPTED = TrackState.INTERRUPTED.value

# Table codes of the referrals received are the Referral field names.
RECEIVED_TABLES = {
    "age_bracket": AgeBracket,
    "place_typology": PlaceTypology,
    "family_involved": YesNoUnknown,
    "released_from_prison": YesNoUnknown,
    "family_asked_for_help": YesNoUnknown,
}

RECEIVED = Population(
    "received",
    tuple((field, tuple(vocabulary.values)) for field, vocabulary in RECEIVED_TABLES.items()),
)
CLOSED = Population("closed")
TRACKS_ENDED = Population(
    "tracks_ended",
    (
        ("domain", tuple(SupportDomain.values)),
        ("outcome", (*Outcome.values, INTERRUPTED)),
    ),
)
POPULATIONS = (RECEIVED, CLOSED, TRACKS_ENDED)
