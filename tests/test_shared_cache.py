"""CACHE_URL: Redis as the shared cache, refused schemes, the deploy warning, and what happens while Redis is down."""

import subprocess
import sys

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from config.cache import SharedRedisCache
from config.engines import cache_from_url
from tests import factories as f
from tests.engines import processes
from tests.engines.redis import REDIS_URL, require_redis, unique_prefix


def redis_cache_settings(url=REDIS_URL):
    return {"default": cache_from_url(url, key_prefix=unique_prefix())}


def test_an_empty_cache_url_means_local_memory():
    assert cache_from_url("")["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/0", "rediss://cache.example.org:6380/1", "unix:///run/redis.sock"]
)
def test_a_redis_url_selects_the_shared_redis_cache(url):
    assert cache_from_url(url) == {
        "BACKEND": "config.cache.SharedRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "",
    }


@pytest.mark.parametrize(
    "url", ["memcached://127.0.0.1:11211", "redis:/127.0.0.1", "127.0.0.1:6379", "Redis//x"]
)
def test_a_cache_url_with_an_unknown_scheme_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_from_url(url)


def test_the_site_refuses_to_start_with_an_unknown_cache_scheme():
    """Before, a typo silently gave every process its own local-memory cache."""
    env = processes.site_env(CACHE_URL="memcache://127.0.0.1:11211")

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=processes.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode != 0
    assert "CACHE_URL 'memcache://127.0.0.1:11211' is not a cache address this site knows" in result.stderr


def test_the_deploy_check_warns_about_a_per_process_cache(settings):
    settings.CACHES = {"default": cache_from_url("")}

    with pytest.raises(SystemCheckError, match="passerelle.W001"):
        call_command("check", "--deploy", "--tag", "caches", "--fail-level", "WARNING")


def test_the_deploy_check_accepts_redis(settings):
    settings.CACHES = {"default": cache_from_url(REDIS_URL)}

    call_command("check", "--deploy", "--tag", "caches", "--fail-level", "WARNING")


def test_redis_serves_as_the_cache_with_the_hiredis_parser():
    require_redis()
    with override_settings(CACHES=redis_cache_settings()):
        cache = caches["default"]
        cache.set("greeting", "bonjour")
        assert cache.get("greeting") == "bonjour"
        assert cache.incr("counter", 1) == 1 if cache.add("counter", 0) else True
        connection = cache._cache.get_client(write=True).connection_pool.get_connection()
        assert type(connection._parser).__name__ == "_HiredisParser"


@pytest.mark.django_db
def test_pages_render_from_redis(client):
    """Before, CACHE_URL=redis://... gave a 500 on every page: the redis package was not installed."""
    require_redis()
    posting = f.published_posting(title="Mission à Liège", slug="mission-liege")
    with override_settings(CACHES=redis_cache_settings()):
        assert client.get("/").status_code == 200
        assert "Mission à Liège" in client.get("/").content.decode()  # the replay from Redis
        assert client.get(posting.get_absolute_url()).status_code == 200


# Nothing listens on port 1 of the loopback: every connection is refused at once, as when Redis is stopped.
DEAD_REDIS = "redis://127.0.0.1:1/0"


def test_a_redis_outage_reads_as_misses_and_drops_writes():
    cache = SharedRedisCache(DEAD_REDIS, {})

    cache.set("key", "value")
    assert cache.get("key", "default") == "default"
    assert cache.add("key", 1) is False
    with pytest.raises(ValueError):
        cache.incr("key")
    assert cache.ping() is False


@pytest.mark.django_db
def test_during_a_redis_outage_pages_render_and_candidates_can_apply(client, settings, caplog):
    from tests.applications.conftest import form_data

    settings.CACHES = {"default": cache_from_url(DEAD_REDIS)}
    settings.APPLY_RATE_LIMIT = 1
    posting = f.published_posting(title="Mission à Calais", slug="mission-calais")

    assert "Mission à Calais" in client.get("/").content.decode()
    responses = [
        client.post(
            f"/offres/{posting.slug}/candidater/",
            form_data(posting, email=f"camille{n}@example.org"),
        )
        for n in range(2)
    ]

    # The rate limit fails open (README, Production): nobody is refused because the cache is down.
    assert [response.status_code for response in responses] == [302, 302]
    assert posting.applications.count() == 2
    assert "Redis cache unreachable" in caplog.text


def test_readiness_reports_the_cache_when_redis_is_down(client, settings, db):
    settings.CACHES = {"default": cache_from_url(DEAD_REDIS)}

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"ready": False, "database": "ok", "cache": "unavailable", "storage": "ok"}


def test_readiness_and_liveness_when_all_is_well(client, db):
    assert client.get("/readyz").json() == {"ready": True, "database": "ok", "cache": "ok", "storage": "ok"}
    assert client.get("/healthz").content == b"ok"


@pytest.fixture(scope="module")
def site_database(tmp_path_factory):
    """A SQLite file the server processes share, migrated, with one open posting."""
    path = tmp_path_factory.mktemp("shared-cache") / "site.sqlite3"
    env = processes.site_env(DATABASE_URL=f"sqlite:///{path}")
    processes.manage("migrate", "--no-input", env=env)
    processes.manage(
        "shell",
        "-c",
        "from tests import factories as f; "
        "f.published_posting(title='Chargée de plaidoyer', slug='plaidoyer', city='Bruxelles')",
        env=env,
    )
    return f"sqlite:///{path}"


def edit_posting(env: dict, *, title: str, city: str) -> None:
    """Another process (a third one) edits the posting through the model, as the admin does."""
    processes.manage(
        "shell",
        "-c",
        "from postings.models import Posting; p = Posting.objects.get(slug='plaidoyer'); "
        f"p.title = {title!r}; p.save(); place = p.locations.get(); place.city = {city!r}; place.save()",
        env=env,
    )


def page_views(urls: list[str]) -> list[str]:
    return [processes.get(url)[1] for url in urls]


def test_a_posting_edited_through_one_process_is_fresh_on_every_server_at_once(site_database):
    require_redis()
    env = processes.site_env(
        DATABASE_URL=site_database, CACHE_URL=REDIS_URL, CACHE_KEY_PREFIX=unique_prefix()
    )
    with processes.gunicorn(env, count=2) as (server_a, server_b):
        pages = [f"{server}{path}" for server in (server_a, server_b) for path in ("/", "/offres/plaidoyer/")]
        for body in page_views(pages) + page_views(pages):  # rendered, then replayed from the cache
            assert "Chargée de plaidoyer" in body

        edit_posting(env, title="Responsable du plaidoyer", city="Namur")

        for body in page_views(pages):
            assert "Responsable du plaidoyer" in body
            assert "Chargée de plaidoyer" not in body
        listing = processes.get(f"{server_b}/")[1]
        assert "Namur" in listing  # the filter options (places) follow too
        assert "Bruxelles" not in listing


def test_with_local_memory_each_server_keeps_its_stale_copy(site_database):
    """The control: the same steps on a per-process cache leave the other server's pages stale."""
    env = processes.site_env(DATABASE_URL=site_database, CACHE_URL="")
    edit_posting(env, title="Chargée de plaidoyer", city="Bruxelles")
    with processes.gunicorn(env, count=1) as (server,):
        assert "Chargée de plaidoyer" in processes.get(f"{server}/offres/plaidoyer/")[1]

        edit_posting(env, title="Responsable du plaidoyer", city="Namur")

        assert "Chargée de plaidoyer" in processes.get(f"{server}/offres/plaidoyer/")[1]
