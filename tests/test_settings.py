import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_the_deploy_check_refuses_the_public_development_secret_key(settings):
    settings.SECRET_KEY = settings.DEV_SECRET_KEY

    with pytest.raises(SystemCheckError, match="passerelle.E001"):
        call_command("check", "--deploy", "--tag", "security")


def test_the_deploy_check_accepts_a_real_secret_key(settings):
    settings.SECRET_KEY = "a-real-secret-" + "x" * 50

    call_command("check", "--deploy", "--tag", "security", "--fail-level", "ERROR")
