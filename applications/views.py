import io
import json
import uuid
import zipfile

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe
from django.views.generic import TemplateView

from postings import cache as postings_cache
from postings.models import Posting

from . import retention, services
from .files import DocumentKind, sanitise_filename
from .forms import ApplicationForm
from .models import Application, DownloadLog


def _posting_for_apply(slug: str) -> Posting:
    """Public postings only: drafts and archives do not exist for candidates."""
    return get_object_or_404(
        Posting.objects.published().prefetch_related("languages"),
        slug=slug,
    )


def _closed(request, posting: Posting):
    return render(request, "applications/closed.html", {"posting": posting}, status=410)


def client_address(request) -> str:
    """The visitor's address. Behind the TLS proxy the settings declare, the proxy's own address would put
    every candidate in one bucket: take the last X-Forwarded-For entry, the one the proxy itself appended
    (earlier entries come from the client and can be forged)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.SECURE_PROXY_SSL_HEADER and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "unknown")


def _rate_limited(request) -> bool:
    """Count this POST against the client's address; True once over APPLY_RATE_LIMIT in the window."""
    key = f"apply-rate:{client_address(request)}"
    cache.add(key, 0, timeout=settings.APPLY_RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # Expired between add() and incr().
        cache.set(key, 1, timeout=settings.APPLY_RATE_WINDOW)
        count = 1
    return count > settings.APPLY_RATE_LIMIT


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
        if _rate_limited(request):
            return render(request, "applications/rate_limited.html", {"posting": posting}, status=429)
        form = ApplicationForm(request.POST, request.FILES, posting=posting)
        if form.honeypot_filled():
            return render(request, "applications/not_sent.html", {"posting": posting}, status=400)
        replayed = _replayed(posting, request.POST.get("submission_token"))
        if replayed is not None:
            return redirect("applications:confirmation", uuid=replayed.uuid)
        if form.is_valid():
            try:
                application = services.submit_application(
                    posting=posting,
                    data=form.application_data(),
                    files=form.application_files(),
                    language=translation.get_language() or settings.LANGUAGE_CODE,
                    token=form.cleaned_data["submission_token"],
                )
            except services.PostingClosed:
                return _closed(request, posting)
            except services.DuplicateApplication:
                return render(request, "applications/duplicate.html", {"posting": posting}, status=409)
            return redirect("applications:confirmation", uuid=application.uuid)
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
def confirmation(request, uuid):
    application = get_object_or_404(Application.objects.select_related("posting"), uuid=uuid)
    return render(request, "applications/confirmation.html", {"application": application})


def _own_application(uuid) -> Application:
    return get_object_or_404(
        Application.objects.select_related("posting").prefetch_related("status_changes"), uuid=uuid
    )


@require_safe
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
def delete(request, uuid):
    """GET asks for confirmation; POST erases the application and its files (the one erasure path)."""
    application = _own_application(uuid)
    if request.method == "POST":
        retention.erase_application(application)
        return redirect("applications:deleted")
    return render(request, "applications/delete_confirm.html", {"application": application})


@require_GET
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
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="passerelle-{application.reference}.zip"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


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


@require_safe
@staff_member_required
def download(request, uuid, document: str):
    """A candidate's CV or letter, for the back-office people who can see the application."""
    if document not in DownloadLog.Document.values:
        raise Http404("No such document.")
    application = get_object_or_404(Application.objects.visible_to(request.user), uuid=uuid)
    if document == DownloadLog.Document.CV:
        field_file, name = application.cv, application.cv_name
    else:
        field_file, name = application.letter_file, application.letter_name
    if not field_file or not field_file.name:
        raise Http404("No such document.")
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The document is missing from storage.") from error
    suffix = field_file.name.rsplit(".", 1)[-1].lower()
    content_type = DocumentKind(suffix).content_type if suffix in DocumentKind else "application/octet-stream"
    DownloadLog.objects.create(application=application, user=request.user, document=document)
    response = FileResponse(
        handle, as_attachment=True, filename=name or f"document.{suffix}", content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
