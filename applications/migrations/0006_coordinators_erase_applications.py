"""Coordinators carry out erasure requests (GDPR art. 17) in the back-office: they get the delete permission
on applications, which the "Effacer (demande RGPD)" action checks. Recruiters do not by default."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Coordinateurs")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="applications", codename="delete_application")
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Coordinateurs"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="applications", codename="delete_application")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0005_add_answer_email_kind"),
        ("organisations", "0002_recruiter_and_coordinator_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
