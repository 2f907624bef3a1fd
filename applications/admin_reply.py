"""Answering one candidate from their application's page: choose a template, add a paragraph, preview the
exact e-mail in the candidate's language, send it (through `answers.answer_applications` and the outbox)."""

import hashlib

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications import answers, pipeline
from applications.models import Application, Outcome, RefusalReason, ReplyTemplate
from postings.languages import language_name

Status = Application.Status


class ReplyForm(forms.Form):
    """One answer to one candidate, from their application's page: a template, a personal paragraph."""

    template = forms.ChoiceField(label=_("Modèle de réponse"))
    personal_paragraph = forms.CharField(
        label=_("Paragraphe personnel"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Facultatif. Ajouté tel quel avant la formule de politesse du modèle : une date d'entretien, "
            "un mot sur le profil, la personne à contacter."
        ),
    )
    refusal_reason = forms.ChoiceField(
        label=_("Motif de refus"), choices=[("", "—"), *RefusalReason.choices], required=False
    )
    share_reason = forms.BooleanField(label=_("Communiquer le motif à la personne"), required=False)
    # What the recruiter saw in the preview: a send whose e-mail differs asks for another look.
    previewed = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, templates: list[ReplyTemplate], **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {str(template.pk): template for template in templates}
        # By what the answer says; the subject only tells apart two templates for the same outcome.
        outcomes = [template.outcome for template in templates]
        self.fields["template"].choices = [
            (
                str(template.pk),
                str(template.get_outcome_display())
                if outcomes.count(template.outcome) == 1
                else f"{template.get_outcome_display()} – {template.subject}",
            )
            for template in templates
        ]

    def clean_template(self) -> ReplyTemplate:
        return self.templates[self.cleaned_data["template"]]

    def clean(self):
        cleaned = super().clean()
        template, reason = cleaned.get("template"), cleaned.get("refusal_reason")
        if template is not None and reason and template.outcome != Outcome.REJECTED:
            self.add_error("refusal_reason", _("Un motif de refus ne va qu'avec une réponse négative."))
        if cleaned.get("share_reason") and not reason:
            self.add_error("share_reason", _("Choisissez le motif à communiquer."))
        return cleaned


def email_digest(*parts) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


class ReplyMixin:
    """For the Application ModelAdmin: the `<id>/repondre/` page that the change page's "Répondre" opens."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/repondre/",
                self.admin_site.admin_view(self.reply_view),
                name="applications_application_reply",
            ),
            *super().get_urls(),
        ]

    # Answering one candidate from their page ------------------------------------------------------------

    def reply_view(self, request, object_id):
        """Choose a template, add a paragraph, preview the exact e-mail in the candidate's language, send."""
        application = self.get_object(request, unquote(object_id))
        if application is None:
            raise Http404
        if not self.has_change_permission(request, application):
            raise PermissionDenied
        # Only answers the pipeline allows from here: an invitation to an interview, say, needs an
        # application in review or shortlisted first.
        reachable = {None, application.status, *pipeline.allowed_targets(application.status)}
        templates = [
            template
            for template in answers.template_choices(application, request.user)
            if answers.OUTCOME_STATUS[template.outcome] in reachable
        ]
        form = ReplyForm(request.POST if request.method == "POST" else None, templates=templates)
        change_url = reverse("admin:applications_application_change", args=[application.pk])
        preview = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            template = data["template"]
            options = {
                "outcome": template.outcome,
                "by": request.user,
                "template": template,
                "personal_paragraph": data["personal_paragraph"],
                "refusal_reason": data["refusal_reason"],
                "reason_shared": data["share_reason"],
            }
            _template, language, subject, body = answers.compose(application, **options)
            reply_to = answers.reply_to_for(application, request.user)
            digest = email_digest(application.email, reply_to, language, subject, body)
            if "_send" in request.POST and data["previewed"] == digest:
                report = answers.answer_applications(
                    Application.objects.filter(pk=application.pk), **options
                )
                if report.answered:
                    self.message_user(
                        request,
                        _("Réponse envoyée à %(email)s.") % {"email": application.email},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(change_url)
                for _application, reason in report.skipped:
                    self.message_user(request, reason, messages.ERROR)
            elif "_send" in request.POST:
                self.message_user(
                    request,
                    _("Le message a changé depuis l'aperçu : relisez-le, puis envoyez."),
                    messages.WARNING,
                )
            form.data = form.data.copy()
            form.data["previewed"] = digest
            preview = {
                "to": application.email,
                "reply_to": ", ".join(reply_to) or "–",
                "language": capfirst(language_name(language)),
                "subject": subject,
                "body": body,
                "moves_to": (
                    Status(answers.OUTCOME_STATUS[template.outcome]).label
                    if answers.OUTCOME_STATUS[template.outcome]
                    and answers.OUTCOME_STATUS[template.outcome] != application.status
                    else None
                ),
            }
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Répondre à %(name)s") % {"name": application.full_name},
            "opts": self.model._meta,
            "original": application,
            "application": application,
            "language": capfirst(language_name(answers.language_for(application))),
            "form": form,
            "preview": preview,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/applications/application/reply.html", context)
