"""The two back-office groups and their model permissions.

Which rows a member sees is decided by the `visible_to` QuerySet methods; these permissions only say what kind
of thing each role may do. Permissions for models added later are granted by the migration adding them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RECRUITERS = "Recruteurs"
COORDINATORS = "Coordinateurs"

ALL = ("view", "add", "change", "delete")
POSTING_PARTS = ("postingorganisation", "postinglocation", "postinglanguage", "postingrequirement", "paycomponent", "phase")

RECRUITER_PERMISSIONS = {
    "organisations": {"organisation": ("view", "change")},
    "postings": {
        "programme": ("view",),
        "session": ("view",),
        "theme": ("view",),
        "posting": ("view", "add", "change"),
        **{part: ALL for part in POSTING_PARTS},
    },
    "applications": {
        "application": ("view", "change"),
        "statuschange": ("view",),
        "recruiternote": ("view", "add"),
    },
}
COORDINATOR_EXTRA_PERMISSIONS = {
    "organisations": {"organisation": ("add",)},
    "postings": {"session": ("add", "change"), "posting": ("delete",)},
}


def ensure_permissions(apps):
    """Permissions are normally created after `migrate`; a data migration on a fresh database needs them now."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def grant(apps, group_name, permissions):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    for app_label, models in permissions.items():
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            found = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            if found.count() != len(codenames):
                raise RuntimeError(f"Missing permissions for {app_label}.{model}: {codenames}")
            group.permissions.add(*found)


def create_groups(apps, schema_editor):
    ensure_permissions(apps)
    grant(apps, RECRUITERS, RECRUITER_PERMISSIONS)
    grant(apps, COORDINATORS, RECRUITER_PERMISSIONS)
    grant(apps, COORDINATORS, COORDINATOR_EXTRA_PERMISSIONS)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[RECRUITERS, COORDINATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("organisations", "0001_initial"),
        ("postings", "0001_initial"),
        ("applications", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
