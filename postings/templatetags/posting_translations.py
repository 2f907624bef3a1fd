"""The notice a posting page shows when its content is not (or not fully) in the visitor's language."""

from django import template
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def translation_notice(posting) -> str:
    """Empty in French and when every field with French text has a translation in the active language."""
    language = (get_language() or "fr").split("-")[0]
    if language == "fr":
        return ""
    name = get_language_info(language)["name_translated"]
    if not posting.is_available_in(language):
        return _("Cette offre n'est pas disponible en %(language)s ; elle est affichée en français.") % {
            "language": name
        }
    if posting.untranslated_fields(language):
        return _(
            "Certaines parties de cette offre ne sont pas traduites en %(language)s ; elles sont affichées en "
            "français."
        ) % {"language": name}
    return ""
