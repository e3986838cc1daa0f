"""Settings for several application servers: a shared Redis cache (and sessions), a replica."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env
from tests.config.test_settings import _run

BASE = Path(__file__).resolve().parents[2]


def test_local_memory_cache_by_default():
    assert env.caches({})["default"]["BACKEND"].endswith("LocMemCache")


@pytest.mark.parametrize("name", ["CACHE_URL", "REDIS_URL"])
def test_redis_through_djangos_backend_when_configured(name):
    config = env.caches({name: "redis://cache.example:6379/2"})["default"]
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config["LOCATION"] == "redis://cache.example:6379/2"


def test_a_cache_url_that_is_not_redis_is_refused():
    with pytest.raises(ImproperlyConfigured, match="Redis"):
        env.caches({"CACHE_URL": "memcached://cache.example:11211"})


def test_sessions_are_shared_through_the_cache_when_one_is_configured():
    code = [
        "-c",
        "import config.settings as s; "
        "print(getattr(s, 'SESSION_ENGINE', 'db'), s.CACHES['default']['BACKEND'])",
    ]
    shared = _run(code, CACHE_URL="redis://127.0.0.1:6379/0")
    assert shared.returncode == 0, shared.stderr
    assert shared.stdout.split() == [
        "django.contrib.sessions.backends.cached_db",
        "django.core.cache.backends.redis.RedisCache",
    ]
    alone = _run(code)
    assert alone.stdout.split() == ["db", "django.core.cache.backends.locmem.LocMemCache"]


def test_no_replica_unless_configured():
    assert env.replica({}, BASE) is None


def test_replica_url_is_parsed_and_mirrors_the_primary_in_tests():
    config = env.replica(
        {"DATABASE_REPLICA_URL": "postgres://ro@replica.example:5432/relais"}, BASE
    )
    assert (config["HOST"], config["NAME"]) == ("replica.example", "relais")
    assert config["TEST"] == {"MIRROR": "default"}


@pytest.mark.parametrize("value", ["", "mysql://u@h/db"])
def test_empty_or_unsupported_replica_url_is_refused(value):
    with pytest.raises(ImproperlyConfigured):
        env.replica({"DATABASE_REPLICA_URL": value}, BASE)
