"""Reading the environment for settings: small pure functions, so they can be tested alone."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

MODES = ("development", "production")


def mode(environ: Mapping[str, str]) -> str:
    """Return the run mode; anything but the two known modes stops start-up."""
    value = environ.get("RELAIS_ENV", "development").strip()
    if value not in MODES:
        raise ImproperlyConfigured(
            f"RELAIS_ENV={value!r} is not a known mode: use one of {', '.join(MODES)}."
        )
    return value


def database(environ: Mapping[str, str], base_dir: Path) -> dict:
    """Database settings: SQLite under var/ unless DATABASE_URL is set.

    An empty or malformed DATABASE_URL is refused rather than silently replaced by SQLite, so a
    deployment never writes its data somewhere nobody expects.
    """
    if "DATABASE_URL" not in environ:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(base_dir / "var" / "relais.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    return _parse_database_url(environ, "DATABASE_URL")


def owner_database(environ: Mapping[str, str]) -> dict | None:
    """The owner role's connection settings (DATABASE_OWNER_URL), or None when unset.

    The owner runs migrations and owns the tables, triggers and functions; the application
    connects with DATABASE_URL's restricted role (docs/operations.md, "Database roles"). It is
    deliberately not an entry of DATABASES: Django never opens it at run time and builds no
    test database for it. Empty or malformed is refused, like DATABASE_URL. It must name the
    same PostgreSQL database as DATABASE_URL.
    """
    if "DATABASE_OWNER_URL" not in environ:
        return None
    config = _parse_database_url(environ, "DATABASE_OWNER_URL")
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_OWNER_URL must be a PostgreSQL URL.")
    app = environ.get("DATABASE_URL")
    if app is None:
        raise ImproperlyConfigured(
            "DATABASE_OWNER_URL is set but DATABASE_URL is not: set both (the owner runs "
            "migrations, the application connects with DATABASE_URL's restricted role)."
        )
    app_config = _parse_database_url(environ, "DATABASE_URL")
    if app_config["ENGINE"] != config["ENGINE"] or app_config["NAME"] != config["NAME"]:
        raise ImproperlyConfigured(
            "DATABASE_OWNER_URL and DATABASE_URL must name the same PostgreSQL database."
        )
    if app_config.get("USER") == config.get("USER"):
        raise ImproperlyConfigured(
            "DATABASE_OWNER_URL and DATABASE_URL must use two different roles: the "
            "application's role must not own the audit tables."
        )
    return config


def _parse_database_url(environ: Mapping[str, str], name: str) -> dict:
    url = environ[name].strip()
    if not url:
        raise ImproperlyConfigured(
            f"{name} is set but empty: unset it to use SQLite, or give a URL such as "
            "postgres://user:password@host:5432/relais."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises several types for bad URLs
        raise ImproperlyConfigured(f"{name} is malformed ({exc}).") from exc
    engine = config.get("ENGINE") or ""
    if engine not in (
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    ):
        raise ImproperlyConfigured(
            f"{name} names an unsupported database ({engine or 'unknown scheme'}): "
            "Relais runs on PostgreSQL or SQLite."
        )
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} is malformed: it names no database.")
    return config


def required(environ: Mapping[str, str], name: str) -> str:
    """A value production cannot run without: never falls back to a default."""
    value = environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production (RELAIS_ENV=production).")
    return value


def csv_list(environ: Mapping[str, str], name: str, default: str = "") -> list[str]:
    return [item.strip() for item in environ.get(name, default).split(",") if item.strip()]


def integer(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}.") from exc


def iso_date(environ: Mapping[str, str], name: str, default: str) -> date:
    raw = environ.get(name) or default
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a date as YYYY-MM-DD, got {raw!r}.") from exc


def current() -> Mapping[str, str]:
    return os.environ


def replica(environ: Mapping[str, str], base_dir: Path) -> dict | None:
    """The streaming replica read-only pages may read from (``DATABASE_REPLICA_URL``), or
    None. Same checks as ``DATABASE_URL``; tests read it as the primary (``MIRROR``)."""
    url = environ.get("DATABASE_REPLICA_URL")
    if url is None:
        return None
    if not url.strip():
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL is set but empty: unset it to read everything from the "
            "primary, or give a URL such as postgres://user:password@replica:5432/relais."
        )
    config = database({"DATABASE_URL": url}, base_dir)
    config["TEST"] = {"MIRROR": "default"}
    return config


def caches(environ: Mapping[str, str]) -> dict:
    """The cache: Redis through Django's own backend when ``CACHE_URL`` (or ``REDIS_URL``)
    is set — shared by every application server — else local memory (one per process)."""
    url = (environ.get("CACHE_URL") or environ.get("REDIS_URL") or "").strip()
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            "CACHE_URL must be a Redis URL (redis://host:6379/0, rediss://… or unix://…)."
        )
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "relais",
        }
    }
