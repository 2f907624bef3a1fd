"""The page that follows a background export, and its download. Only the requester (or a superuser), and
only through the admin site's rule (`staff_required`: two-factor step included)."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from applications.export_http import CONTENT_TYPES, job_filename
from applications.models import ExportJob
from applications.private_responses import protect
from organisations.staff import staff_required


@staff_required
@require_GET
def export_job_detail(request, uuid):
    job = get_object_or_404(ExportJob.objects.visible_to(request.user), uuid=uuid)
    return render(request, "applications/exports/exportjob_detail.html", {"job": job})


@staff_required
@require_GET
def export_job_download(request, uuid):
    job = get_object_or_404(
        ExportJob.objects.visible_to(request.user).filter(status=ExportJob.Status.DONE), uuid=uuid
    )
    if not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=job_filename(job),
        content_type=CONTENT_TYPES[job.format],
    )
    return protect(response)
