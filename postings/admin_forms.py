"""The forms of the postings back-office: the posting form (labels, help texts, optional slug, version guard,
coherence checks), its phases' formset, and the small forms of the reopen and duplicate pages."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from postings.models import Phase, Posting, Session

Scheme, PayKind = Posting.Scheme, Posting.PayKind

STALE_MESSAGE = _(
    "Cette offre a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. Vos changements n'ont "
    "pas été enregistrés : rechargez la page pour voir la version actuelle, puis refaites vos modifications."
)

# The kinds of pay each scheme allows (a scheme not listed allows any): a Service Civique mission is paid an
# indemnity, never an internship gratification or a salary; an internship under agreement a gratification
# (or nothing, under two months); a contract a salary; volunteering nothing.
PAY_KINDS_BY_SCHEME = {
    Scheme.SERVICE_CIVIQUE: (PayKind.STIPEND,),
    Scheme.ERASMUS_TRAINEE: (PayKind.STIPEND, PayKind.NONE),
    Scheme.INTERNSHIP_AGREEMENT: (PayKind.GRATIFICATION, PayKind.NONE),
    Scheme.FIXED_TERM: (PayKind.SALARY,),
    Scheme.PERMANENT: (PayKind.SALARY,),
    Scheme.VOLUNTEERING: (PayKind.NONE,),
}

# Age bounds set by law for a scheme: (youngest, oldest, oldest with a disability). Service Civique: 16 to 25,
# up to 30 for a young person with a disability (Code du service national, L120-1).
AGE_BOUNDS_BY_SCHEME = {Scheme.SERVICE_CIVIQUE: (16, 25, 30)}

LABELS = {
    "title": _("Intitulé de l'offre"),
    "kind": _("Type d'offre"),
    "scheme": _("Dispositif / statut"),
    "scheme_details": _("Précisions sur le dispositif"),
    "session": _("Session du programme"),
    "slug": _("Adresse de la page (facultatif)"),
    "summary": _("Résumé"),
    "how_to_apply": _("Comment candidater"),
    "deadline": _("Date limite de candidature"),
    "starts_on": _("Date de début"),
    "starts_asap": _("Début dès que possible"),
    "duration_months": _("Durée en mois"),
    "pay_kind": _("Type de rémunération"),
    "is_demo": _("Offre de démonstration"),
}
HELP_TEXTS = {
    "title": _("Le nom de la mission ou du poste, tel qu'il apparaîtra dans la liste des offres."),
    "kind": _("Volontariat, stage ou emploi."),
    "scheme": _(
        "Le cadre légal de l'engagement : Service Civique, stage sous convention, CDD… À ne pas confondre "
        "avec l'état de publication (brouillon, publiée, clôturée), qui se change avec les boutons en haut "
        "de la page."
    ),
    "session": _(
        "Seulement pour une offre qui fait partie d'une session d'un programme d'échanges ; sinon, laissez "
        "vide. La liste montre les sessions en cours ou à venir que vous pouvez utiliser."
    ),
    "slug": _(
        "La fin de l'adresse de l'offre sur le site, par exemple « mission-droits-des-etrangers ». Laissez "
        "vide : elle est créée à partir de l'intitulé."
    ),
    "summary": _("Deux ou trois phrases affichées dans la liste des offres et en tête de la page."),
    "how_to_apply": _(
        "Ce que la personne doit savoir pour candidater : pièces demandées, étapes et calendrier de la "
        "sélection. La candidature elle-même se fait en ligne sur Passerelle."
    ),
    "deadline": _("Jour et heure après lesquels l'offre ne reçoit plus de candidatures."),
    "starts_on": _(
        "Laissez vide si la date n'est pas fixée ; cochez alors « Début dès que possible » au besoin."
    ),
    "pay_kind": _(
        "Doit correspondre au dispositif : indemnité pour un Service Civique, gratification pour un stage, "
        "salaire pour un emploi."
    ),
}


def _day(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


class PostingAdminForm(forms.ModelForm):
    # The version the form was opened at: saving on top of someone else's save is refused (see clean()).
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Posting
        fields: list[str] = []  # the admin passes the fields of its fieldsets
        labels = LABELS
        help_texts = HELP_TEXTS
        # Short boxes for the essentials: the form should fit a laptop's screen or two, not five.
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "how_to_apply": forms.Textarea(attrs={"rows": 4, "cols": 80}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version
        else:
            del self.fields["loaded_version"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # The admin validates and saves in one transaction: this row lock holds until the save, so two
            # recruiters saving at once are serialised and the second one sees the first one's version.
            current = (
                Posting.objects.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if cleaned.get("loaded_version") != current:
                raise ValidationError(STALE_MESSAGE, code="stale")
        if "slug" in self.fields and not cleaned.get("slug") and cleaned.get("title"):
            cleaned["slug"] = self._free_slug(cleaned["title"])
        self._check_pay_fits_scheme(cleaned)
        self._check_ages(cleaned)
        self._check_dates(cleaned)
        return cleaned

    def _free_slug(self, title: str) -> str:
        max_length = Posting._meta.get_field("slug").max_length
        base = (slugify(title) or "offre")[: max_length - 4].strip("-")
        taken = Posting.objects.exclude(pk=self.instance.pk).filter(slug__startswith=base)
        taken = set(taken.values_list("slug", flat=True))
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        return slug

    def _check_pay_fits_scheme(self, cleaned) -> None:
        scheme, pay_kind = cleaned.get("scheme"), cleaned.get("pay_kind")
        allowed = PAY_KINDS_BY_SCHEME.get(scheme)
        if not allowed or not pay_kind or pay_kind in allowed:
            return
        self.add_error(
            "pay_kind",
            ValidationError(
                _("« %(pay)s » ne convient pas au dispositif « %(scheme)s » : choisissez %(allowed)s.")
                % {
                    "pay": PayKind(pay_kind).label,
                    "scheme": Scheme(scheme).label,
                    "allowed": _(" ou ").join(f"« {PayKind(kind).label} »" for kind in allowed),
                },
                code="pay_kind_scheme",
            ),
        )

    def _check_ages(self, cleaned) -> None:
        min_age, max_age = cleaned.get("min_age"), cleaned.get("max_age")
        if min_age is not None and max_age is not None and max_age < min_age:
            self.add_error(
                "max_age",
                ValidationError(
                    _("L'âge maximum (%(max)s ans) est inférieur à l'âge minimum (%(min)s ans).")
                    % {"max": max_age, "min": min_age},
                    code="age_order",
                ),
            )
        scheme = cleaned.get("scheme")
        if scheme not in AGE_BOUNDS_BY_SCHEME:
            return
        youngest, oldest, oldest_with_disability = AGE_BOUNDS_BY_SCHEME[scheme]
        label = Scheme(scheme).label
        if min_age is not None and min_age < youngest:
            self.add_error(
                "min_age",
                ValidationError(
                    _(
                        "Le dispositif « %(scheme)s » commence à %(bound)s ans : l'âge minimum ne peut pas être "
                        "inférieur."
                    )
                    % {"scheme": label, "bound": youngest},
                    code="age_bounds",
                ),
            )
        if max_age is not None and max_age > oldest:
            self.add_error(
                "max_age",
                ValidationError(
                    _(
                        "Le dispositif « %(scheme)s » s'arrête à %(bound)s ans : l'âge maximum ne peut pas être "
                        "supérieur (en situation de handicap, utilisez le champ suivant)."
                    )
                    % {"scheme": label, "bound": oldest},
                    code="age_bounds",
                ),
            )
        disability = cleaned.get("max_age_with_disability")
        if disability is not None and disability > oldest_with_disability:
            self.add_error(
                "max_age_with_disability",
                ValidationError(
                    _(
                        "Le dispositif « %(scheme)s » s'arrête à %(bound)s ans en situation de handicap : l'âge "
                        "maximum ne peut pas être supérieur."
                    )
                    % {"scheme": label, "bound": oldest_with_disability},
                    code="age_bounds",
                ),
            )

    def _check_dates(self, cleaned) -> None:
        deadline, starts_on = cleaned.get("deadline"), cleaned.get("starts_on")
        if deadline and starts_on and timezone.localtime(deadline).date() > starts_on:
            self.add_error(
                "deadline",
                ValidationError(
                    _(
                        "La date limite de candidature (%(deadline)s) tombe après la date de début (%(start)s) : "
                        "les candidatures doivent être closes avant le début."
                    )
                    % {"deadline": _day(timezone.localtime(deadline).date()), "start": _day(starts_on)},
                    code="deadline_after_start",
                ),
            )
        if starts_on and cleaned.get("starts_asap"):
            self.add_error(
                "starts_asap",
                ValidationError(
                    _("Donnez une date de début ou cochez « Début dès que possible », pas les deux."),
                    code="start_date_or_asap",
                ),
            )


class OwnPhaseFormSet(BaseInlineFormSet):
    """A posting's own calendar must fit in the session it belongs to."""

    def clean(self):
        super().clean()
        session = self.instance.session
        if any(self.errors) or session is None or session.starts_on is None or session.ends_on is None:
            return
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data.get("starts_on") or not data.get("ends_on"):
                continue
            if data["starts_on"] < session.starts_on or data["ends_on"] > session.ends_on:
                phase = data.get("label") or Phase.Kind(data["kind"]).label
                # On the phase's own row: the section then opens by itself to show it.
                form.add_error(
                    None,
                    ValidationError(
                        _(
                            "L'étape « %(phase)s » (du %(start)s au %(end)s) sort des dates de la session "
                            "« %(session)s » (du %(session_start)s au %(session_end)s) : choisissez une autre "
                            "session ou corrigez l'étape."
                        )
                        % {
                            "phase": phase,
                            "start": _day(data["starts_on"]),
                            "end": _day(data["ends_on"]),
                            "session": session.name,
                            "session_start": _day(session.starts_on),
                            "session_end": _day(session.ends_on),
                        },
                        code="phase_outside_session",
                    ),
                )


def usable_sessions(user, *, current: Session | None = None):
    """The sessions a recruiter may put a posting in: in reach, not over yet; plus the posting's own."""
    usable = Session.objects.visible_to(user).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate())
    )
    if current is not None:
        usable = Session.objects.filter(Q(pk__in=usable.values("pk")) | Q(pk=current.pk))
    return usable.select_related("programme")


class ReopenForm(forms.Form):
    deadline = forms.DateTimeField(
        label=_("Nouvelle date limite de candidature"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline <= timezone.now():
            raise ValidationError(_("La nouvelle date limite doit être dans le futur."), code="past")
        return deadline


class DuplicateForm(forms.Form):
    session = forms.ModelChoiceField(label=_("Session de la copie"), queryset=Session.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = Session.objects.visible_to(user).select_related("programme")
