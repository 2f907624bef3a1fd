import unicodedata
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from applications.files import DocumentField, size_limit
from applications.models import Application
from postings import widgets
from postings.eligibility import age_range
from postings.models import Posting

# Nothing here asks for a date of birth, a nationality, a photo, a family situation, a social security
# number or bank details: a recruitment may not ask for them. The eligibility self-check confirms the
# conditions of the scheme without storing the facts behind them.


def refuse_control_characters(value: str) -> None:
    """One-line fields hold no line breaks, tabs or other control characters (names end up in email headers)."""
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise ValidationError(
            _("Ce champ ne peut contenir ni retour à la ligne ni caractère de contrôle."),
            code="control_character",
        )


def _country_choices():
    return [("", _("Choisir un pays")), *countries]


def _consent_label(posting_slug: str | None = None):
    # One sentence for translators, link included: its word order differs from one language to another.
    privacy_url = reverse("applications:privacy")
    if posting_slug:
        # The notice then names the organisations that receive this application.
        privacy_url = f"{privacy_url}?offre={posting_slug}"
    return format_html(
        _(
            "J'accepte que mes données soient traitées pour cette candidature, comme l'explique la "
            '<a href="{privacy_url}">notice de confidentialité</a> (qui les reçoit, pourquoi, combien de '
            "temps, mes droits)."
        ),
        privacy_url=privacy_url,
    )


class ApplicationForm(forms.Form):
    """The apply form of one posting: its language fields and eligibility box depend on the posting."""

    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=100,
        validators=[refuse_control_characters],
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=100,
        validators=[refuse_control_characters],
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        help_text=_("Nous y envoyons l'accusé de réception et votre lien privé de suivi."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=40,
        validators=[refuse_control_characters],
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    city = forms.CharField(
        label=_("Ville de résidence"),
        max_length=100,
        validators=[refuse_control_characters],
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    country = forms.ChoiceField(
        label=_("Pays de résidence"),
        choices=_country_choices,
        widget=widgets.Select(attrs={"autocomplete": "country"}),
    )
    cv = DocumentField(
        label=_("CV"),
        help_text=lazy(lambda: _("PDF, DOCX ou ODT, %(max)s Mo au plus.") % {"max": size_limit()}, str)(),
    )
    letter_file = DocumentField(
        label=_("Lettre de motivation (fichier)"),
        required=False,
        help_text=lazy(
            lambda: (
                _("PDF, DOCX ou ODT, %(max)s Mo au plus. Ou écrivez votre lettre ci-dessous.")
                % {"max": size_limit()}
            ),
            str,
        )(),
    )
    letter_text = forms.CharField(
        label=_("Lettre de motivation (texte)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    heard_from = forms.CharField(
        label=_("Comment avez-vous connu cette offre ?"),
        max_length=200,
        required=False,
        validators=[refuse_control_characters],
    )
    keep_for_future = forms.BooleanField(
        label=_("Conserver ma candidature deux ans pour de futures offres"),
        required=False,
        help_text=_(
            "Sans cette case, votre candidature est supprimée trois mois après la fin de la sélection."
        ),
    )
    consent = forms.BooleanField(label=lazy(_consent_label, SafeString)())
    # Honeypot: hidden from people by a CSS class; robots fill every field.
    website = forms.CharField(
        label=_("Ne remplissez pas ce champ (il sert à arrêter les robots)"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    # One-time token given with the form: the same POST sent twice finds the application it created.
    submission_token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, posting: Posting, **kwargs):
        super().__init__(*args, **kwargs)
        self.posting = posting
        self.fields["consent"].label = _consent_label(posting.slug)
        self.eligibility_conditions = eligibility_conditions(posting)
        self.language_fields = []
        for link in posting.languages.all():
            name = f"language_{link.language}"
            self.fields[name] = forms.ChoiceField(
                label=_("Votre niveau en %(language)s") % {"language": link.language_name},
                choices=[("", _("Choisir un niveau")), *language_level_choices(with_cefr=bool(link.level))],
                help_text=language_help_text(link),
                widget=widgets.Select,
            )
            self.language_fields.append((link.language, name))
        if self.eligibility_conditions:
            self.fields["eligibility_confirmed"] = forms.BooleanField(
                label=_("Je confirme remplir ces conditions d'éligibilité."),
            )

    @property
    def language_bound_fields(self):
        return [self[name] for _code, name in self.language_fields]

    def honeypot_filled(self) -> bool:
        return bool(self.data.get("website", "").strip())

    def clean_submission_token(self) -> uuid.UUID:
        """A missing or mangled token is no reason to refuse a candidate: it only loses replay detection."""
        try:
            return uuid.UUID(self.cleaned_data["submission_token"])
        except ValueError:
            return uuid.uuid4()

    def clean_letter_text(self):
        return self.cleaned_data["letter_text"].strip()

    def clean(self):
        cleaned = super().clean()
        if (
            "letter_file" not in self.errors
            and not cleaned.get("letter_file")
            and not cleaned.get("letter_text")
        ):
            self.add_error(
                "letter_file",
                forms.ValidationError(
                    _("Joignez une lettre de motivation ou écrivez-la dans le champ texte."),
                    code="missing_letter",
                ),
            )
        return cleaned

    def application_data(self) -> dict:
        """The answers in the shape `submit_application` expects."""
        data = self.cleaned_data
        return {
            "first_name": data["first_name"].strip(),
            "last_name": data["last_name"].strip(),
            "email": data["email"],
            "phone": data["phone"].strip(),
            "city": data["city"].strip(),
            "country": data["country"],
            "letter_text": data["letter_text"],
            "languages": {code: data[name] for code, name in self.language_fields},
            "eligibility_confirmed": bool(data.get("eligibility_confirmed")),
            "heard_from": data["heard_from"].strip(),
            "keep_for_future": data["keep_for_future"],
        }

    def application_files(self) -> dict:
        return {"cv": self.cleaned_data["cv"], "letter_file": self.cleaned_data.get("letter_file")}


# The levels a candidate picks from, in words only: the CEFR code is shown only beside a posting that states
# a CEFR level, so that a posting asking for "bon niveau" is not made to ask for "B2".
LEVEL_WORDS = {
    Application.LanguageLevel.NONE: _("Je ne parle pas cette langue"),
    Application.LanguageLevel.A1: _("Débutant"),
    Application.LanguageLevel.A2: _("Notions"),
    Application.LanguageLevel.B1: _("Intermédiaire"),
    Application.LanguageLevel.B2: _("Bon niveau"),
    Application.LanguageLevel.C1: _("Très bon niveau"),
    Application.LanguageLevel.C2: _("Courant / bilingue"),
}


def language_level_choices(*, with_cefr: bool) -> list[tuple[str, str]]:
    if with_cefr:
        return list(Application.LanguageLevel.choices)
    return [(level.value, LEVEL_WORDS[level]) for level in Application.LanguageLevel]


def language_help_text(link) -> str:
    """ "Niveau demandé : bon niveau (lu, écrit, parlé)." in the posting's words, then whether it is a plus."""
    asked = link.level_as_stated
    if link.notes:
        asked = f"{asked} ({link.notes})" if asked else link.notes
    parts = [str(_("Niveau demandé : %(level)s.") % {"level": asked})] if asked else []
    if not link.is_required:
        parts.append(str(_("Un plus, pas une obligation.")))
    return " ".join(parts)


def eligibility_conditions(posting: Posting) -> list[str]:
    """What a candidate must confirm for the posting's scheme; empty when there is nothing to confirm."""
    conditions: list[str] = []
    if posting.scheme == Posting.Scheme.SERVICE_CIVIQUE:
        if ages := age_range(posting):
            conditions.append(_("Avoir l'âge demandé au début de la mission : %(ages)s.") % {"ages": ages})
        conditions.append(
            str(
                _(
                    "Pouvoir justifier de la nationalité française ou de celle d'un État de l'Union européenne "
                    "ou de l'Espace économique européen, ou d'un titre de séjour en France depuis plus d'un an "
                    "(sans condition de durée pour les personnes étudiantes étrangères, réfugiées ou "
                    "bénéficiaires de la protection subsidiaire)."
                )
            )
        )
        if posting.eligibility:
            conditions.append(posting.localized("eligibility"))
    elif posting.eligibility:
        conditions.append(posting.localized("eligibility"))
    return conditions
