"""Back-office pages outside the admin: a candidate's document, downloaded by staff who can see the
application. Access is the admin site's rule (`organisations.staff.staff_required`), reach is
`Application.objects.visible_to`."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from applications.files import DocumentKind
from applications.models import Application, DownloadLog
from applications.private_responses import file_response
from organisations.staff import staff_required


@require_safe
@staff_required
def download(request, uuid, document: str):
    """A candidate's CV or letter; each download is logged."""
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
    return file_response(handle, filename=name or f"document.{suffix}", content_type=content_type)
