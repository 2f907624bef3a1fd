"""config/env.py: every environment variable the settings read is documented, and a bad value fails loudly."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_read_from_the_environment_is_in_the_readme_table():
    read = set()
    for module in (ROOT / "config").glob("*.py"):
        read |= set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', module.read_text()))
    table = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]

    assert read, "no environment variable found: the pattern no longer matches config/"
    assert sorted(name for name in read if f"`{name}`" not in table) == []


@pytest.mark.parametrize("raw", ["maybe", "2", "vrai", "enabled"])
def test_a_boolean_that_is_neither_true_nor_false_is_refused_with_its_name_and_value(monkeypatch, raw):
    monkeypatch.setenv("PASSERELLE_TEST_FLAG", raw)

    with pytest.raises(
        ImproperlyConfigured, match=rf"PASSERELLE_TEST_FLAG must be true or false, not '{raw}'"
    ):
        env_bool("PASSERELLE_TEST_FLAG")


@pytest.mark.parametrize("raw", ["ten", "1.5", "10s", "0x10"])
def test_a_number_that_is_not_whole_is_refused_with_its_name_and_value(monkeypatch, raw):
    monkeypatch.setenv("PASSERELLE_TEST_NUMBER", raw)

    with pytest.raises(
        ImproperlyConfigured, match=rf"PASSERELLE_TEST_NUMBER must be a whole number, not '{raw}'"
    ):
        env_int("PASSERELLE_TEST_NUMBER", 3)


@pytest.mark.parametrize(("raw", "expected"), [(" Yes ", True), ("OFF", False), ("", False), (None, True)])
def test_booleans_accept_the_usual_spellings_and_fall_back_to_the_default_when_unset(
    monkeypatch, raw, expected
):
    if raw is None:
        monkeypatch.delenv("PASSERELLE_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("PASSERELLE_TEST_FLAG", raw)

    assert env_bool("PASSERELLE_TEST_FLAG", default=True) is expected


def test_an_empty_number_takes_the_default_and_lists_drop_blank_items(monkeypatch):
    monkeypatch.setenv("PASSERELLE_TEST_NUMBER", "  ")
    monkeypatch.setenv("PASSERELLE_TEST_LIST", " a.example.org, ,b.example.org,")
    monkeypatch.delenv("PASSERELLE_TEST_TEXT", raising=False)

    assert env_int("PASSERELLE_TEST_NUMBER", 7) == 7
    assert env_list("PASSERELLE_TEST_LIST", []) == ["a.example.org", "b.example.org"]
    assert env_str("PASSERELLE_TEST_TEXT", "défaut") == "défaut"


def test_a_bad_value_stops_the_settings_from_loading(monkeypatch):
    """The failure happens at start-up, in the settings module, not at the first request."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "APPLY_RATE_LIMIT": "dix"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "APPLY_RATE_LIMIT must be a whole number, not 'dix'" in result.stderr
