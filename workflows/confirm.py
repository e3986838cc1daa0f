"""Confirmation of irreversible actions, without JavaScript.

The action's form posts as usual; when the action cannot be undone and the POST does not say
``confirmed=1``, the view answers with a page that names what will happen (the action, the
case's reference, the chosen code's label and the consequence) and re-posts the same fields
with ``confirmed=1``, or goes back. Nothing is written before that second POST.
"""

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

# action → (what the button does, what follows), for the page's wording.
IRREVERSIBLE = {
    "withdraw": (
        _("Retirer l'orientation"),
        _(
            "C'est définitif : l'orientation est terminée et ses accompagnements en cours sont "
            "interrompus avec le même motif."
        ),
    ),
    "return_to_cell": (
        _("Retourner l'orientation à la cellule"),
        _(
            "C'est définitif : l'orientation est terminée sans accompagnement ; la cellule la "
            "retrouve parmi les orientations retournées."
        ),
    ),
    "close": (
        _("Clôturer l'orientation"),
        _("C'est définitif : l'orientation est terminée."),
    ),
    "request_review": (
        _("Demander un bilan à la cellule"),
        _("L'orientation passe en bilan : la cellule décidera de poursuivre ou de clôturer."),
    ),
    "interrupt": (
        _("Interrompre l'accompagnement"),
        _("C'est définitif pour cet accompagnement."),
    ),
    "complete": (
        _("Terminer l'accompagnement"),
        _("C'est définitif : l'accompagnement est terminé avec l'issue choisie."),
    ),
}


def choice_label(form, name: str) -> str:
    """The label of the choice a valid ``form`` holds in field ``name`` ("" when empty): what
    the confirmation page names, never the code."""
    return dict(form.fields[name].choices).get(form.cleaned_data.get(name), "")


def is_confirmed(request) -> bool:
    return request.POST.get("confirmed") == "1"


def confirmation_page(request, *, action, reference, detail="", cancel_url, domain=""):
    """The page asking to confirm ``action`` on the case ``reference``."""
    title, consequence = IRREVERSIBLE[action]
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirmed")
        for value in values
    ]
    return render(
        request,
        "workflows/confirm.html",
        {
            "page_title": _("Confirmer : %(action)s") % {"action": title},
            "action_title": title,
            "consequence": consequence,
            "reference": reference,
            "domain": domain,
            "detail": detail,
            "fields": fields,
            "cancel_url": cancel_url,
        },
    )
