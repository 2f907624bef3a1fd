"""The WSGI application of bench/apply_floor.py: the project with one more view, which only receives an upload.

Same settings, middleware and URLs as `config.wsgi`; `/floor/receive` parses the multipart body (the whole
request.FILES) and redirects, as the apply view does after a submission, with no form, database or storage.
"""

import os

import django
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponseRedirect  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from config.urls import urlpatterns as project_urlpatterns  # noqa: E402


@csrf_exempt  # no token to fetch first: the body is parsed by the view itself
def receive(request):
    upload = request.FILES["cv"]
    return HttpResponseRedirect(f"/candidature/{upload.size}/")


urlpatterns = [path("floor/receive", receive), *project_urlpatterns]
settings.ROOT_URLCONF = __name__
application = get_wsgi_application()
