"""The candidate's pages: the apply form and its answer, the private pages behind the link of the receipt
(status, withdraw, delete, "my data") and the privacy notice. The staff download is in `staff_views`, the
rate limit in `ratelimits`, the visitor's address in `client_address`, private headers in
`private_responses`."""

import io
import json
import uuid
import zipfile

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe
from django.views.generic import TemplateView

from applications import retention, services
from applications.files import sanitise_filename
from applications.forms import ApplicationForm
from applications.models import Application
from applications.private_responses import file_response, private_page
from applications.ratelimits import apply_rate_limited
from postings import cache as postings_cache
from postings.models import Posting


def _posting_for_apply(slug: str) -> Posting:
    """Public postings only: drafts and archives do not exist for candidates."""
    return get_object_or_404(
        Posting.objects.published().prefetch_related("languages"),
        slug=slug,
    )


def _closed(request, posting: Posting):
    return render(request, "applications/closed.html", {"posting": posting}, status=410)


def _replayed(posting: Posting, raw_token) -> Application | None:
    try:
        token = uuid.UUID(str(raw_token))
    except ValueError:
        return None
    return Application.objects.filter(posting=posting, submission_token=token).first()


@require_http_methods(["GET", "POST"])
def apply(request, slug: str):
    posting = _posting_for_apply(slug)
    if not posting.is_open():
        return _closed(request, posting)
    if request.method == "POST":
        if apply_rate_limited(request):
            return render(request, "applications/rate_limited.html", {"posting": posting}, status=429)
        form = ApplicationForm(request.POST, request.FILES, posting=posting)
        if form.honeypot_filled():
            return render(request, "applications/not_sent.html", {"posting": posting}, status=400)
        if form.is_valid():
            try:
                services.submit_application(
                    posting=posting,
                    data=form.application_data(),
                    files=form.application_files(),
                    language=translation.get_language() or settings.LANGUAGE_CODE,
                    token=form.cleaned_data["submission_token"],
                )
            except services.PostingClosed:
                return _closed(request, posting)
            except services.DuplicateApplication as duplicate:
                # Answered like a new application: the page must not tell whether this address applied.
                # The person who owns the address learns of the attempt by e-mail.
                services.notify_duplicate_attempt(duplicate.existing)
                return redirect("applications:sent", slug=posting.slug)
            # The same answer as for a duplicate: the reference and the private link go by e-mail only.
            return redirect("applications:sent", slug=posting.slug)
        if _replayed(posting, request.POST.get("submission_token")) is not None:
            # The form sent again after it was taken (back and resend, without the files this time): the
            # answer it got the first time. A valid replay is found by `submit_application` itself.
            return redirect("applications:sent", slug=posting.slug)
        status = 400
    else:
        form = ApplicationForm(posting=posting, initial={"submission_token": uuid.uuid4()})
        status = 200
    context = {
        "posting": posting,
        "form": form,
        "fields_version": postings_cache.version(),
        # The blank form's cached fields (templates/applications/apply.html) live as long as public pages: with
        # the default per-process cache, another process's change reaches them within that time.
        "fields_cache_seconds": settings.PAGE_CACHE_SECONDS,
    }
    return render(request, "applications/apply.html", context, status=status)


@require_safe
def sent(request, slug: str):
    """After an application is sent, whether it was new or the address had already applied: one page that
    says the same in both cases (the receipt, or a notice to the address's owner, goes by e-mail)."""
    posting = _posting_for_apply(slug)
    return render(request, "applications/sent.html", {"posting": posting})


@require_safe
@private_page
def confirmation(request, uuid):
    """The page applying led to before `sent`, behind the application's secret UUID: kept for the links
    already in candidates' browser histories."""
    application = get_object_or_404(Application.objects.select_related("posting"), uuid=uuid)
    return render(request, "applications/confirmation.html", {"application": application})


def _own_application(uuid) -> Application:
    return get_object_or_404(
        Application.objects.select_related("posting").prefetch_related("status_changes"), uuid=uuid
    )


@require_safe
@private_page
def status(request, uuid):
    """The candidate's private page, reached through the link in their receipt."""
    application = _own_application(uuid)
    language_names = {link.language: link.language_name for link in application.posting.languages.all()}
    languages = [
        (language_names.get(code, code), Application.LanguageLevel(level).label)
        for code, level in application.languages.items()
        if level in Application.LanguageLevel.values
    ]
    return render(request, "applications/status.html", {"application": application, "languages": languages})


@require_http_methods(["GET", "POST"])
@private_page
def withdraw(request, uuid):
    """GET asks for confirmation; POST withdraws."""
    application = _own_application(uuid)
    if not application.can_be_withdrawn():
        return redirect(application.get_private_url())
    if request.method == "POST":
        services.withdraw_application(application)
        return redirect(application.get_private_url())
    return render(request, "applications/withdraw_confirm.html", {"application": application})


@require_http_methods(["GET", "POST"])
@private_page
def delete(request, uuid):
    """GET asks for confirmation; POST erases the application and its files (the one erasure path)."""
    application = _own_application(uuid)
    if request.method == "POST":
        retention.erase_application(application)
        return redirect("applications:deleted")
    return render(request, "applications/delete_confirm.html", {"application": application})


@require_safe
def my_data(request, uuid):
    """Everything Passerelle holds about the candidate for this application, as a ZIP: `donnees.json` and
    the documents they sent, under their sanitised names. A download changes nothing, so GET."""
    application = _own_application(uuid)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        data = retention.export_candidate_data(application)
        archive.writestr("donnees.json", json.dumps(data, ensure_ascii=False, indent=2))
        for prefix, field_file, name in (
            ("CV", application.cv, application.cv_name),
            ("Lettre", application.letter_file, application.letter_name),
        ):
            if not field_file or not field_file.name:
                continue
            suffix = field_file.name.rsplit(".", 1)[-1].lower()
            entry = f"{prefix} - {sanitise_filename(name) or 'document.' + suffix}"
            try:
                with field_file.open("rb") as handle:
                    archive.writestr(entry, handle.read())
            except FileNotFoundError as error:
                raise Http404("A document is missing from storage.") from error
    return file_response(
        buffer.getvalue(), filename=f"passerelle-{application.reference}.zip", content_type="application/zip"
    )


class DeletedView(TemplateView):
    http_method_names = ["get", "head", "options"]
    template_name = "applications/deleted.html"


class PrivacyView(TemplateView):
    http_method_names = ["get", "head", "options"]
    """The privacy notice; reached from an apply form (`?offre=<slug>`), it names that posting's controllers."""

    template_name = "applications/privacy.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        slug = self.request.GET.get("offre", "")
        posting = (
            Posting.objects.published()
            .select_related("session__programme__operator")
            .prefetch_related("organisation_roles__organisation")
            .filter(slug=slug[:120])
            .first()
            if slug
            else None
        )
        if posting is not None:
            context["posting"] = posting
            context["controllers"] = [
                (link.organisation, link.get_role_display()) for link in posting.organisation_roles.all()
            ]
            if posting.session_id:
                context["controllers"].append(
                    (posting.session.programme.operator, _("Coordination du programme"))
                )
        return context
