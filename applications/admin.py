# Minimal registration so that back-office links (`admin:applications_application_change`) resolve;
# the back-office helper replaces this file with the real admin.
from django.contrib import admin

from .models import Application

admin.site.register(Application)
