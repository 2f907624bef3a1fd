"""The age bounds of a posting in words: one wording for the posting page and the apply form's conditions."""

from django.utils.translation import gettext as _


def age_range(posting) -> str:
    """ "de 16 à 25 ans, jusqu'à 30 ans pour les personnes en situation de handicap", or "" without bounds.

    Says only the bounds the posting gives: a missing minimum or maximum is not filled in.
    """
    low, high, with_disability = posting.min_age, posting.max_age, posting.max_age_with_disability
    if low is not None and high is not None:
        words = _("de %(min)s à %(max)s ans") % {"min": low, "max": high}
    elif low is not None:
        words = _("à partir de %(min)s ans") % {"min": low}
    elif high is not None:
        words = _("jusqu'à %(max)s ans") % {"max": high}
    else:
        words = ""
    if with_disability is not None:
        disability = _("jusqu'à %(max)s ans pour les personnes en situation de handicap") % {
            "max": with_disability
        }
        words = f"{words}, {disability}" if words else disability
    return words
