"""Cache invalidation only: whatever the public pages derive from postings is keyed on postings.cache.version().

Signals (not calls in each save) because the rows change through many paths: admin forms and inlines,
loaddata, the demo and reference commands, model methods.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from organisations.models import Organisation
from postings import cache
from postings.models import (
    PayComponent,
    Phase,
    Posting,
    PostingLanguage,
    PostingLocation,
    PostingOrganisation,
    PostingRequirement,
    Programme,
    Session,
    Theme,
)

WATCHED = (
    Posting,
    PostingOrganisation,
    PostingLocation,
    PostingLanguage,
    PostingRequirement,
    PayComponent,
    Phase,
    Theme,
    Session,
    Programme,
    Organisation,
)


def _bump(using=None, **kwargs) -> None:
    cache.bump()
    # Once more when the change commits: a request that read the rows between the first bump and the commit
    # (the old rows, under the new version) would otherwise keep them cached until the next change. The
    # postings a recruiter reaches are cached this way (applications.models.postings_in_reach). One callback
    # per transaction, however many rows it saves (a rolled-back savepoint drops its callbacks).
    pending = transaction.get_connection(using).run_on_commit
    if not any(callback is _bump_at_commit for _savepoints, callback, _robust in pending):
        transaction.on_commit(_bump_at_commit, using=using)


def _bump_at_commit() -> None:
    cache.bump()


def connect() -> None:
    for model in WATCHED:
        post_save.connect(_bump, sender=model, dispatch_uid=f"postings-cache-save-{model._meta.label}")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"postings-cache-delete-{model._meta.label}")
    m2m_changed.connect(_bump, sender=Posting.themes.through, dispatch_uid="postings-cache-themes")
