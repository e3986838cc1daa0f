from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Orientations")

    def ready(self):
        # The audit screens show this app's codes by their French labels (audit.labels).
        from audit.labels import register_fsm_model, register_value_lookup, register_values
        from audit.vocabularies import ObjectType
        from directory.selectors import commune_labels
        from referrals.models import Referral
        from referrals.vocabularies import CORRECTABLE, Agreement, CorrectionReason

        corrections = {}
        for field, vocabulary in CORRECTABLE.items():
            label = Referral._meta.get_field(field).verbose_name
            corrections[f"correct_{field}"] = (
                _("Correction : %(field)s") % {"field": label},
                CorrectionReason.choices,
            )
            register_values(ObjectType.REFERRAL, f"correct_{field}", vocabulary.choices)
        # The commune is corrected too; its old and new values are INSEE codes (reference
        # data, not a fixed vocabulary): screens show them with the commune's name.
        corrections["correct_commune"] = (
            _("Correction : %(field)s")
            % {"field": Referral._meta.get_field("commune").verbose_name},
            CorrectionReason.choices,
        )
        register_value_lookup(ObjectType.REFERRAL, "correct_commune", commune_labels)
        register_fsm_model(
            ObjectType.REFERRAL,
            Referral,
            extra={
                "register": (_("Enregistrement"), ()),
                "record_agreement": (_("Recueil de l'accord"), Agreement.choices),
                **corrections,
            },
        )
