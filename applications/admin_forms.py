"""The forms of the application admin: the pipeline move on the change page, the bulk answer, the erasure,
the reply templates."""

from django import forms
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from applications import pipeline
from applications.models import Application, Outcome, RefusalReason, ReplyTemplate
from postings.widgets import Select

Status = Application.Status


class ApplicationAdminForm(forms.ModelForm):
    """Candidates' answers are read-only; the only edit is a move in the pipeline, with an optional note."""

    move_to = forms.ChoiceField(label=_("Nouveau statut"), required=False)
    move_note = forms.CharField(
        label=_("Note sur ce changement"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Application
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        targets = pipeline.allowed_targets(self.instance.status) if self.instance.pk else []
        self.fields["move_to"].choices = [("", _("— inchangé —"))] + [(t, Status(t).label) for t in targets]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("move_note") and not cleaned.get("move_to"):
            self.add_error(
                "move_to", ValidationError(_("Choisissez le nouveau statut que la note explique."))
            )
        return cleaned


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Réponse"), choices=Outcome.choices)
    refusal_reason = forms.ChoiceField(
        label=_("Motif de refus"), choices=[("", "—"), *RefusalReason.choices], required=False
    )
    share_reason = forms.BooleanField(label=_("Communiquer le motif à la personne"), required=False)

    def clean(self):
        cleaned = super().clean()
        outcome, reason = cleaned.get("outcome"), cleaned.get("refusal_reason")
        if reason and outcome != Outcome.REJECTED:
            self.add_error("refusal_reason", _("Un motif de refus ne va qu'avec une réponse négative."))
        if cleaned.get("share_reason") and not reason:
            self.add_error("share_reason", _("Choisissez le motif à communiquer."))
        return cleaned


class EraseForm(forms.Form):
    identity_checked = forms.BooleanField(
        label=_("J'ai vérifié que la demande vient bien de la personne candidate (même adresse e-mail)."),
        required=True,
    )


class ReplyTemplateAdminForm(forms.ModelForm):
    class Meta:
        model = ReplyTemplate
        fields = ["outcome", "language", "organisation", "programme", "subject", "body"]

    # Set by ReplyTemplateAdmin.get_form: whether the user may leave both owners empty (a site template).
    may_edit_site_templates = False

    def clean(self):
        cleaned = super().clean()
        if (
            not self.may_edit_site_templates
            and not cleaned.get("organisation")
            and not cleaned.get("programme")
        ):
            raise ValidationError(
                _(
                    "Choisissez l'organisation ou le programme à qui ce modèle appartient : les modèles du site "
                    "sont réservés aux super-utilisateurs."
                )
            )
        return cleaned


class ActionForm(helpers.ActionForm):
    """Django admin's action form, its action `<select>` written in Python (`postings.widgets.Select`, the same
    markup as Django's templates): a dozen options through two template includes each were a noticeable part
    of the application list's rendering."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["action"]
        widget = Select(attrs=field.widget.attrs, choices=field.widget.choices)
        widget.is_required = field.widget.is_required
        field.widget = widget
