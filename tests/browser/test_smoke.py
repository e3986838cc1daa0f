import pytest

pytestmark = pytest.mark.browser


def test_each_role_lands_on_its_page(session_for):
    for username, path in (("demo-cell", "/cell/"), ("demo-member", "/member/")):
        session = session_for(username)
        assert session.page.url.endswith(path)
