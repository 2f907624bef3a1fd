import os

import pytest


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without `collectstatic`: use the plain storage instead of the manifest one."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached pages, filter options and rate-limit counts never leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _french_by_default():
    """A request under /en/ or /nl/ leaves that language active in the test thread; each test starts in French."""
    from django.utils import translation

    with translation.override("fr"):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are created with real hashing otherwise: seconds per test for nothing a test looks at.
    The password policy itself (validators) does not depend on the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def moto():
    """An S3 endpoint on a loopback port (moto_server), started once for the run that needs it."""
    from tests.engines.s3 import MotoServer

    server = MotoServer()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path, request):
    """Each test writes candidates' files under its own temporary folder, or its own bucket on the S3 endpoint
    when PASSERELLE_TEST_STORAGE=s3 (.ci/run runs the file tests that way)."""
    root = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = root
    settings.MEDIA_ROOT = root
    if os.environ.get("PASSERELLE_TEST_STORAGE") == "s3" and "local_storage_only" not in request.keywords:
        moto = request.getfixturevalue("moto")
        default = moto.storage_settings(moto.new_bucket())
    else:
        default = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": None},
        }
    settings.STORAGES = {**settings.STORAGES, "default": default}


@pytest.fixture
def cast(db):
    """The fixed cast of the back-office tests.

    Organisation A (host of `posting_a`) and organisation B (host of `posting_b`) each have a recruiter; the
    operator of the programme has a coordinator who reaches both postings through the session.
    """
    from types import SimpleNamespace

    from organisations.models import Membership
    from tests import factories as f

    operator = f.make_organisation(name="Échanges et Partenariats", short_name="E&P", slug="ep")
    org_a = f.make_organisation(name="Organisation A", slug="org-a")
    org_b = f.make_organisation(name="Organisation B", slug="org-b", country="BE", city="Liège")
    programme = f.make_programme(operator=operator, name="Programme d'échanges", slug="programme-echanges")
    session = f.make_session(programme=programme, name="Session 30", slug="session-30")
    posting_a = f.published_posting(
        session=session, organisations={"host": org_a}, title="Mission A", slug="mission-a"
    )
    posting_b = f.published_posting(
        session=session, organisations={"host": org_b}, title="Mission B", slug="mission-b", city="Liège"
    )
    return SimpleNamespace(
        operator=operator,
        org_a=org_a,
        org_b=org_b,
        programme=programme,
        session=session,
        posting_a=posting_a,
        posting_b=posting_b,
        coordinator=f.make_staff("coordinatrice", organisation=operator, role=Membership.Role.COORDINATOR),
        recruiter_a=f.make_staff("recruteur-a", organisation=org_a),
        recruiter_b=f.make_staff("recruteur-b", organisation=org_b),
        superuser=f.make_user("admin", is_staff=True, is_superuser=True),
    )


def pytest_configure(config):
    """Compile the translation catalogues before any test renders a page: the .mo files are not committed
    (see tooling/management/commands/compile_catalogues.py)."""
    from django.core.management import call_command
    from django.utils.translation import trans_real

    call_command("compile_catalogues", verbosity=0)
    # Translations loaded before the compilation (none expected) would be stale: start from the new files.
    trans_real._translations = {}
    trans_real._default = None


def forget_every_prepared_statement():
    """What `DISCARD ALL` does to a PostgreSQL session, and what this process knows of it (postings/prepared.py)."""
    from django.db import connection

    from postings import prepared

    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    prepared._statements.pop(connection.connection, None)


@pytest.fixture
def postgresql(db):
    """A PostgreSQL session without statements prepared by earlier tests (nor left for later ones); skipped
    on other databases."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("Prepared statements are PostgreSQL's")
    forget_every_prepared_statement()
    yield
    forget_every_prepared_statement()
