import pytest
from django.core.exceptions import ValidationError

from directory.models import MemberProfile
from directory.vocabularies import SupportDomain
from tests.factories import MemberProfileFactory


@pytest.mark.django_db
def test_codes_round_trip_sorted_and_deduplicated():
    profile = MemberProfileFactory(domains=["social", "educational", "social"])
    profile.refresh_from_db()
    assert profile.domains == ["educational", "social"]


@pytest.mark.django_db
def test_unknown_code_is_refused():
    profile = MemberProfileFactory()
    profile.domains = ["social", "astrology"]
    with pytest.raises(ValidationError) as exc:
        profile.full_clean()
    assert "astrology" in str(exc.value)


@pytest.mark.django_db
def test_empty_set_is_refused():
    profile = MemberProfileFactory()
    profile.domains = []
    with pytest.raises(ValidationError):
        profile.full_clean()


def test_form_field_offers_the_vocabulary():
    field = MemberProfile._meta.get_field("domains").formfield()
    assert [code for code, _label in field.choices] == list(SupportDomain.values)
