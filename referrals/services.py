"""Every write on a referral, and only on the referral. Each function is one transaction: it
locks the referral row, checks the actor's role, the state, the code and the guards, runs the
transition, saves and writes the audit event. A refusal raises ApplicationError and changes
nothing.

Internal to the domain: the one public write API is ``workflows.services``, which calls these
functions under the process lock and moves the support tracks and the viewflow tasks with them.
Only ``workflows`` (and this app's unit tests) import this module.

Each function runs in its caller's transaction, without a savepoint of its own (or opens one
when called alone): ``core.transactions.joined``. A refusal must leave the caller's
``atomic()`` block, which rolls everything back.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from audit.vocabularies import AuditAction, ObjectType
from core.deadlines import due_date, programme_start
from core.errors import ApplicationError
from core.prepared import locked_get
from core.roles import Role
from core.transactions import joined
from directory.models import Commune
from directory.vocabularies import SupportDomain
from referrals.models import Referral
from referrals.stays import stay_move, stays_companion
from referrals.vocabularies import TERMINAL_STATES, Agreement, ReferralState
from transitions.runner import acting_role, run_transition


def referral_lock(*, referral) -> Referral:
    """The referral row, locked for the caller's transaction (ApplicationError if unknown)."""
    return _lock(referral)


def _lock(referral) -> Referral:
    pk = referral.pk if isinstance(referral, Referral) else referral
    try:
        return locked_get(Referral, pk)
    except Referral.DoesNotExist as exc:
        raise ApplicationError(_("Orientation introuvable."), code="not_found") from exc


def _transition(referral: Referral, name: str, *, actor, code: str = "", args=()):
    return run_transition(
        instance=referral,
        name=name,
        actor=actor,
        object_type=ObjectType.REFERRAL,
        reference=referral.reference,
        code=code,
        args=args,
        state_label=lambda s: ReferralState(s).label,
        companion=stays_companion,
    )


def _domains(domains) -> list[str]:
    codes = sorted({str(d) for d in domains or []})
    unknown = [c for c in codes if c not in SupportDomain.values]
    if unknown:
        raise ApplicationError(_("Domaine inconnu : %s.") % ", ".join(unknown), field="domains")
    return codes


@joined
def referral_register(*, actor, received_on: date | None = None, **fields) -> Referral:
    """Register a referral from the cell (cell liaison only), in state ``received``.

    ``fields`` are the coded attributes of the model (reference, commune, age_bracket, …).
    Every field is validated; the reference must match the configured pattern and be new.
    """
    role = acting_role(actor, (Role.CELL_LIAISON,))
    if role is None:
        raise ApplicationError(
            _("Seul un référent cellule peut enregistrer une orientation."), code="forbidden"
        )
    allowed = {
        "reference",
        "commune",
        "age_bracket",
        "place_typology",
        "family_involved",
        "released_from_prison",
        "family_asked_for_help",
        "requested_domains",
        "priority",
        "agreement",
        "agreement_date",
    }
    unexpected = set(fields) - allowed
    if unexpected:
        raise ApplicationError(_("Champ non prévu : %s.") % ", ".join(sorted(unexpected)))
    received_on = received_on or timezone.localdate()
    referral = Referral(
        received_on=received_on,
        state_changed_at=timezone.now(),
        triage_due_on=due_date("triage", start=received_on),
        registered_by=actor,
        **fields,
    )
    _check_received_on(received_on)
    _check_agreement(referral.agreement, referral.agreement_date, received_on=received_on)
    referral.requested_domains = _check_requested_domains(
        referral.agreement, referral.requested_domains
    )
    try:
        # ``state`` is a protected FSM field (clean_fields would re-assign it): it is always
        # the default, never input. Requested domains were checked above (none on a refusal).
        referral.full_clean(exclude=["state", "requested_domains"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ApplicationError(messages[0], code="invalid", field=field) from exc
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError as exc:
        raise ApplicationError(
            _("Une orientation porte déjà cette référence."), code="duplicate", field="reference"
        ) from exc
    audit_record(
        actor=actor,
        role=role,
        action=AuditAction.CREATE,
        object_type=ObjectType.REFERRAL,
        object_id=referral.pk,
        reference=referral.reference,
        transition="register",
        to_state=referral.state,
    )
    stay_move(referral_id=referral.pk, to_state=referral.state, at=referral.state_changed_at)
    return referral


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _check_received_on(received_on: date) -> None:
    start = programme_start()
    if received_on < start:
        raise ApplicationError(
            _("La date de réception ne peut pas précéder le début du programme (%s).")
            % _day(start),
            field="received_on",
        )
    if received_on > timezone.localdate():
        raise ApplicationError(
            _("La date de réception ne peut pas être future."), field="received_on"
        )


def _check_requested_domains(agreement, domains) -> list[str]:
    """A refusal excludes any requested domain; otherwise at least one is requested."""
    try:
        codes = _domains(domains)
    except ApplicationError as exc:
        raise ApplicationError(exc.message, field="requested_domains") from exc
    if agreement == Agreement.REFUSED and codes:
        raise ApplicationError(
            _("Un refus exclut tout domaine d'accompagnement : décochez les domaines."),
            field="requested_domains",
        )
    if agreement != Agreement.REFUSED and not codes:
        raise ApplicationError(
            _("Choisissez au moins un domaine d'accompagnement."), field="requested_domains"
        )
    return codes


def _check_agreement(agreement, agreement_date, *, received_on=None):
    if agreement not in Agreement.values:
        raise ApplicationError(_("Accord : code inconnu."), field="agreement")
    if agreement == Agreement.NOT_RECORDED:
        if agreement_date is not None:
            raise ApplicationError(
                _("Une date d'accord n'a de sens que si l'accord est recueilli."),
                field="agreement_date",
            )
        return
    if agreement_date is None:
        raise ApplicationError(
            _("Indiquez la date de l'accord ou du refus."), field="agreement_date"
        )
    if agreement_date > timezone.localdate():
        raise ApplicationError(
            _("La date de l'accord ne peut pas être future."), field="agreement_date"
        )
    if received_on is not None and agreement_date < received_on:
        raise ApplicationError(
            _("La date de l'accord ne peut pas précéder la date de réception (%s).")
            % _day(received_on),
            field="agreement_date",
        )
    if agreement_date < programme_start():
        raise ApplicationError(
            _("La date de l'accord ne peut pas précéder le début du programme (%s).")
            % _day(programme_start()),
            field="agreement_date",
        )


@joined
def referral_record_agreement(*, actor, referral, agreement: str, agreement_date: date) -> Referral:
    """Record the person's or family's agreement (or refusal), with its date."""
    referral = _lock(referral)
    role = acting_role(actor, (Role.CELL_LIAISON, Role.COORDINATOR))
    if role is None:
        raise ApplicationError(
            _("Seuls le référent cellule et le coordinateur recueillent l'accord."),
            code="forbidden",
        )
    if referral.state in TERMINAL_STATES:
        raise ApplicationError(_("Cette orientation est terminée."), code="invalid_state")
    if agreement == Agreement.NOT_RECORDED:
        raise ApplicationError(_("Choisissez l'accord ou le refus recueilli."), field="agreement")
    _check_agreement(agreement, agreement_date, received_on=referral.received_on)
    referral.agreement, referral.agreement_date = agreement, agreement_date
    referral.save(update_fields=["agreement", "agreement_date"])
    audit_record(
        actor=actor,
        role=role,
        action=AuditAction.UPDATE,
        object_type=ObjectType.REFERRAL,
        object_id=referral.pk,
        reference=referral.reference,
        transition="record_agreement",
        code=agreement,
    )
    return referral


@joined
def referral_start_assessment(*, actor, referral) -> Referral:
    """The coordinator starts triage: ``received → in_assessment``."""
    referral = _lock(referral)
    _transition(referral, "start_assessment", actor=actor)
    return referral


@joined
def referral_return_to_cell(*, actor, referral, reason: str) -> Referral:
    """The coordinator returns the referral to the cell with a coded reason (terminal)."""
    referral = _lock(referral)
    _transition(referral, "return_to_cell", actor=actor, code=reason, args=(reason,))
    return referral


def referral_domains_check(*, domains, running=None) -> list[str]:
    """The support domains to open (sorted codes), or ApplicationError: an unknown domain, a
    domain whose track is still ``running``, or nothing running and nothing new to open.
    ``running`` is None when support opens (no track yet)."""
    codes = _domains(domains)
    if running is None:
        if not codes:
            raise ApplicationError(
                _("Choisissez au moins un domaine d'accompagnement."), field="domains"
            )
        return codes
    already = sorted(set(codes) & set(running))
    if already:
        raise ApplicationError(
            _("Un accompagnement est déjà en cours dans ce domaine : %s.")
            % ", ".join(str(SupportDomain(c).label) for c in already),
            field="domains",
        )
    if not codes and not running:
        raise ApplicationError(
            _("Aucun accompagnement n'est en cours : choisissez au moins un domaine."),
            field="domains",
        )
    return codes


@joined
def referral_open_support(*, actor, referral) -> Referral:
    """Open support: ``in_assessment → in_support`` (requires the recorded agreement). The
    caller opens the tracks (``workflows.services.triage_complete``)."""
    referral = _lock(referral)
    _transition(referral, "open_support", actor=actor, args=(due_date("review"),))
    return referral


@joined
def referral_suspend(*, actor, referral, reason: str) -> Referral:
    referral = _lock(referral)
    _transition(referral, "suspend", actor=actor, code=reason, args=(reason,))
    return referral


@joined
def referral_resume(*, actor, referral) -> Referral:
    referral = _lock(referral)
    _transition(referral, "resume", actor=actor)
    return referral


@joined
def referral_request_review(*, actor, referral) -> Referral:
    """``in_support → in_review``: by the coordinator, or by the system (actor None) when
    every track has ended or the review date has come."""
    referral = _lock(referral)
    _transition(referral, "request_review", actor=actor)
    return referral


@joined
def referral_continue(*, actor, referral) -> Referral:
    """The cell continues support after a review: ``in_review → in_support``. The caller
    checks the domains and opens the new tracks (``workflows.services.review_complete``)."""
    referral = _lock(referral)
    _transition(referral, "continue_support", actor=actor, args=(due_date("review"),))
    return referral


@joined
def referral_close(*, actor, referral, code: str) -> Referral:
    """The cell closes the referral with a closure code; every track must have ended."""
    referral = _lock(referral)
    _transition(referral, "close", actor=actor, code=code, args=(code,))
    return referral


@joined
def referral_withdraw(*, actor, referral, reason: str) -> Referral:
    """The cell withdraws the referral from any non-terminal state. The caller interrupts its
    running tracks with the same reason (``workflows.services.process_withdraw``)."""
    referral = _lock(referral)
    _transition(referral, "withdraw", actor=actor, code=reason, args=(reason,))
    return referral


@joined
def referral_correct(*, actor, referral, field: str, value: str, reason: str) -> Referral:
    """The cell corrects one coded registration datum (``CORRECTABLE``, or the commune) with a
    coded reason.

    Guarantees: cell liaison only; the field and the new code belong to their vocabularies
    (the commune: the INSEE code of an active commune of the reference data, as at
    registration) and differ from the stored one; the reason is a ``CorrectionReason``; the
    row is locked, saved and one audit event ``correct_<field>`` (old → new code, reason; the
    commune by its INSEE code) is written in the same transaction. State and deadlines are
    unchanged."""
    from referrals.vocabularies import CORRECTABLE, CorrectionReason

    referral = _lock(referral)
    role = acting_role(actor, (Role.CELL_LIAISON,))
    if role is None:
        raise ApplicationError(
            _("Seul un référent cellule corrige les données d'une orientation."),
            code="forbidden",
        )
    if field == "commune":
        commune = Commune.objects.filter(insee_code=value, active=True).first()
        if commune is None:
            raise ApplicationError(
                _("Commune inconnue ou inactive dans le référentiel des communes."),
                field="value",
            )
        old, new = referral.commune.insee_code, commune
    else:
        vocabulary = CORRECTABLE.get(field)
        if vocabulary is None:
            raise ApplicationError(_("Cette donnée ne se corrige pas ainsi."), field="field")
        if value not in vocabulary.values:
            raise ApplicationError(_("Valeur inconnue pour cette donnée."), field="value")
        old, new = getattr(referral, field), value
    if reason not in CorrectionReason.values:
        raise ApplicationError(_("Choisissez le motif de la correction."), field="reason")
    if old == value:
        raise ApplicationError(_("La donnée a déjà cette valeur : rien à corriger."), field="value")
    setattr(referral, field, new)
    referral.save(update_fields=[field])
    audit_record(
        actor=actor,
        role=role,
        action=AuditAction.UPDATE,
        object_type=ObjectType.REFERRAL,
        object_id=referral.pk,
        reference=referral.reference,
        transition=f"correct_{field}",
        from_state=old,
        to_state=value,
        code=reason,
    )
    return referral
