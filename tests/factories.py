"""factory-boy factories shared by the tests."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.roles import Role
from directory.models import Commune, MemberProfile, Organisation
from directory.vocabularies import OrganisationKind, SupportDomain

PASSWORD = "test-password-1234"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.invalid")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for role in extracted:
            self.groups.add(Group.objects.get(name=str(role)))
        self.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.ASSOCIATION


class MemberProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberProfile

    user = factory.SubFactory(UserFactory, roles=[Role.MEMBER])
    organisation = factory.SubFactory(OrganisationFactory)
    domains = factory.LazyFunction(lambda: [SupportDomain.SOCIAL])
    capacity = 3


def commune(insee_code="59606"):
    return Commune.objects.get(insee_code=insee_code)


def user_with_role(role, **kwargs):
    """A user holding ``role``; members also get a profile (all domains, capacity 3)."""
    if role == Role.MEMBER:
        user_fields = {
            f"user__{name}": kwargs.pop(name)
            for name in ("username", "email", "is_active")
            if name in kwargs
        }
        profile = MemberProfileFactory(
            domains=kwargs.pop("domains", list(SupportDomain.values)), **user_fields, **kwargs
        )
        return profile.user
    return UserFactory(roles=[role], **kwargs)


class AuditEventFactory(factory.django.DjangoModelFactory):
    """An event appended to the real chain (through ``audit_record``, never a bare insert)."""

    class Meta:
        model = "audit.AuditEvent"

    actor = None
    role = "system"
    action = "transition"
    object_type = "referral"
    object_id = factory.Sequence(lambda n: n + 1)
    reference = factory.Sequence(lambda n: f"VAL-2026-{n % 10000:04d}")
    transition = "start_assessment"
    from_state = "received"
    to_state = "in_assessment"
    code = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from audit.services import audit_record

        return audit_record(**kwargs)
