"""The production static storage works out each file's URL once per process: the same URLs as whitenoise's
manifest storage, and a file missing from the manifest is refused every time."""

import json

import pytest
from django.test import override_settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

from config.staticfiles import KeptURLsManifestStaticFilesStorage

MANIFEST = {
    "version": "1.1",
    "hash": "0123456789ab",
    "paths": {"admin/js/core.js": "admin/js/core.b8a5eeee0188.js", "css/site é.css": "css/site é.5d1c.css"},
}


@pytest.fixture
def static_root(tmp_path):
    (tmp_path / "staticfiles.json").write_text(json.dumps(MANIFEST))
    with override_settings(STATIC_URL="/static/", DEBUG=False):
        yield tmp_path


def test_the_kept_urls_are_whitenoises(static_root, monkeypatch):
    kept = KeptURLsManifestStaticFilesStorage(location=static_root)
    stock = CompressedManifestStaticFilesStorage(location=static_root)
    worked_out = []
    url = CompressedManifestStaticFilesStorage.url

    def counting(storage, name, force=False):
        worked_out.append(name)
        return url(storage, name, force)

    monkeypatch.setattr(CompressedManifestStaticFilesStorage, "url", counting)
    for _ in range(3):
        for name in ("admin/js/core.js", "css/site é.css"):
            assert kept.url(name) == url(stock, name)
    assert kept.url("admin/js/core.js") == "/static/admin/js/core.b8a5eeee0188.js"
    assert worked_out == ["admin/js/core.js", "css/site é.css"]  # once each


def test_a_file_missing_from_the_manifest_is_refused_every_time(static_root):
    kept = KeptURLsManifestStaticFilesStorage(location=static_root)
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry for 'absent.js'"):
            kept.url("absent.js")
