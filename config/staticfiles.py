"""The static files' storage in production: whitenoise's compressed manifest storage, each file's URL worked out
once per process.

The manifest (`staticfiles.json`, written by `collectstatic` before the servers start) is read when the storage
is created and does not change while the process runs, so neither does a file's URL. Working it out cost
~14 µs a `{% static %}` (unquoting, splitting, the manifest lookup, joining to STATIC_URL), ~25 times on every
admin page, its scripts' Media included (bench/NOTES.md, "Session 8").
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage

# Names come from templates and code, not from requests; the bound only guards against a surprise.
MAX_KEPT_URLS = 2048


class KeptURLsManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        if (url := self._urls.get(name)) is None:
            url = super().url(name)  # a file missing from the manifest raises, and is not kept
            if len(self._urls) >= MAX_KEPT_URLS:
                self._urls.clear()
            self._urls[name] = url
        return url
