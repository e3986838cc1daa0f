import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

BASE = Path(__file__).resolve().parents[2]


def test_sqlite_under_var_by_default():
    config = env.database({}, BASE)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(BASE / "var" / "relais.sqlite3")


def test_database_url_is_parsed():
    config = env.database({"DATABASE_URL": "postgres://relais:secret@db.example:5433/relais"}, BASE)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("relais", "relais", "secret")
    assert (config["HOST"], config["PORT"]) == ("db.example", 5433)


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_database_url_is_refused(value):
    with pytest.raises(ImproperlyConfigured, match="empty"):
        env.database({"DATABASE_URL": value}, BASE)


@pytest.mark.parametrize(
    "value", ["not a url", "mysql://u@h/db", "postgres://user@host:notaport/db", "postgres://h"]
)
def test_malformed_or_unsupported_database_url_is_refused(value):
    with pytest.raises(ImproperlyConfigured):
        env.database({"DATABASE_URL": value}, BASE)


APP_URL = "postgres://relais_app:a@db.example:5432/relais"
OWNER_URL = "postgres://relais_owner:o@db.example:5432/relais"


def test_owner_url_is_optional_and_parsed():
    assert env.owner_database({"DATABASE_URL": APP_URL}) is None
    owner = env.owner_database({"DATABASE_URL": APP_URL, "DATABASE_OWNER_URL": OWNER_URL})
    assert (owner["USER"], owner["PASSWORD"], owner["NAME"]) == ("relais_owner", "o", "relais")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DATABASE_URL": APP_URL, "DATABASE_OWNER_URL": " "}, "empty"),
        ({"DATABASE_URL": APP_URL, "DATABASE_OWNER_URL": "postgres://h"}, "malformed"),
        ({"DATABASE_OWNER_URL": OWNER_URL}, "DATABASE_URL is not"),
        ({"DATABASE_URL": APP_URL, "DATABASE_OWNER_URL": APP_URL}, "two different roles"),
        (
            {"DATABASE_URL": APP_URL, "DATABASE_OWNER_URL": OWNER_URL.replace("/relais", "/x")},
            "same PostgreSQL database",
        ),
        ({"DATABASE_URL": APP_URL, "DATABASE_OWNER_URL": "sqlite:///x.db"}, "PostgreSQL"),
    ],
)
def test_bad_owner_url_is_refused(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        env.owner_database(environ)


def test_unknown_mode_is_refused():
    with pytest.raises(ImproperlyConfigured, match="RELAIS_ENV"):
        env.mode({"RELAIS_ENV": "staging"})


def _run(code_or_args, **extra_env):
    environ = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ALLOWED_HOSTS")}
    environ.pop("DATABASE_URL", None)
    environ.pop("DATABASE_OWNER_URL", None)
    environ.update(extra_env)
    return subprocess.run(  # noqa: S603 — fixed interpreter and arguments
        [sys.executable, *code_or_args],
        cwd=BASE,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


IMPORT_SETTINGS = ["-c", "import config.settings as s; print(s.DEBUG, s.SECRET_KEY[:4])"]


def test_production_refuses_to_start_without_secret_key():
    result = _run(IMPORT_SETTINGS, RELAIS_ENV="production", ALLOWED_HOSTS="relais.example")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run(IMPORT_SETTINGS, RELAIS_ENV="production", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_wsgi_entry_point_defaults_to_production():
    result = _run(["-c", "import config.wsgi"])
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_manage_py_defaults_to_development():
    result = _run(
        ["manage.py", "shell", "-c", "from django.conf import settings as s; print(s.DEBUG)"]
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("True")


def test_check_deploy_is_clean_in_production():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        RELAIS_ENV="production",
        SECRET_KEY="a-long-random-production-key-" + "k7#Vq9!zR2$mL4@pX8&" * 3,
        ALLOWED_HOSTS="relais.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_french_default_and_paris_time(settings):
    assert settings.LANGUAGE_CODE == "fr"
    assert "en" in dict(settings.LANGUAGES)
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.USE_TZ is True


def test_anchor_syslog_address_is_read_from_the_environment():
    code = ["-c", "import config.settings as s; print(repr(s.RELAIS_AUDIT_ANCHOR_SYSLOG))"]
    assert _run(code).stdout.strip() == "''"
    configured = _run(code, RELAIS_AUDIT_ANCHOR_SYSLOG="127.0.0.1:5514")
    assert configured.returncode == 0, configured.stderr
    assert configured.stdout.strip() == "'127.0.0.1:5514'"
