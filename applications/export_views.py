"""The page that follows a background export, and its download. Only the requester (or a superuser)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from applications.export_http import CONTENT_TYPES, job_filename, protect_download
from applications.models import ExportJob


@login_required
@require_GET
def export_job_detail(request, uuid):
    job = get_object_or_404(ExportJob.objects.visible_to(request.user), uuid=uuid)
    return render(request, "applications/exports/exportjob_detail.html", {"job": job})


@login_required
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
    return protect_download(response)
