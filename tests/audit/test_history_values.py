"""The reference-data history shows values a reader understands: no Python repr."""

from types import SimpleNamespace

from audit.selectors import describe_changes


def test_related_managers_are_hidden_and_booleans_are_french():
    entry = SimpleNamespace(
        changes={
            "members": ["None", "directory.MemberProfile.None"],
            "is_active": ["True", "False"],
            "capacity": ["None", "3"],
        },
        content_type_id=None,
    )
    assert describe_changes(entry) == [("is_active", "oui → non"), ("capacity", "∅ → 3")]
