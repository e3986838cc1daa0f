"""An expired session is said, not silent: after a POST, that the input was not saved."""

from html import unescape

import pytest
from django.conf import settings


@pytest.mark.django_db
def test_a_post_after_the_session_expired_says_the_input_was_not_saved(client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "an-expired-session-key"
    response = client.post("/workflow/register/", {"reference": "VAL-2026-0001"}, follow=True)
    login_page = unescape(response.content.decode())
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=/workflow/register/")
    assert "Votre session a expiré" in login_page
    assert "n'a pas été enregistré" in login_page


@pytest.mark.django_db
def test_a_first_visit_says_nothing_about_a_session(client):
    response = client.get("/cell/", follow=True)
    assert "session a expiré" not in unescape(response.content.decode())
