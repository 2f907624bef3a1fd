"""Two staff accounts for trying the back-office on the demonstration set. Never for real organisations."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from organisations.models import Membership, Organisation

DEMO_PASSWORD = "passerelle-demo-2026"
# (username, slug of the demo organisation, membership role, group). The demo copies are made by
# `load_reference_data`; the groups carry the admin permissions (created with them by a migration).
DEMO_ACCOUNTS = [
    ("recruteur-demo", "cncd-11-11-11-demo", Membership.Role.RECRUITER, "Recruteurs"),
    ("coordination-demo", "echanges-partenariats-demo", Membership.Role.COORDINATOR, "Coordinateurs"),
]


class Command(BaseCommand):
    help = (
        "Create or reset the demonstration accounts 'recruteur-demo' (CNCD-11.11.11 (démo)) and "
        "'coordination-demo' (Échanges et Partenariats (démo)). For demonstrations only."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        self.stderr.write(
            self.style.WARNING(
                "Attention : comptes de démonstration au mot de passe connu. "
                "Ne lancez pas cette commande sur un site réel."
            )
        )
        User = get_user_model()
        for username, slug, role, group_name in DEMO_ACCOUNTS:
            try:
                organisation = Organisation.objects.get(slug=slug, is_demo=True)
            except Organisation.DoesNotExist:
                raise CommandError(
                    f"L'organisation de démonstration « {slug} » n'existe pas : lancez d'abord "
                    "`manage.py load_reference_data`."
                ) from None
            user, _ = User.objects.get_or_create(username=username)
            user.email = f"{username}@example.org"
            user.is_staff = True
            user.is_active = True
            user.is_superuser = False
            user.set_password(DEMO_PASSWORD)
            user.save()
            # One demo organisation per account: a membership left elsewhere would widen its reach.
            Membership.objects.filter(user=user).exclude(organisation=organisation).delete()
            Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
            group, _ = Group.objects.get_or_create(name=group_name)
            user.groups.add(group)
            self.stdout.write(
                f"{username} / {DEMO_PASSWORD} : {Membership.Role(role).label}, {organisation} "
                f"(groupe « {group_name} »)"
            )
        self.stdout.write(
            self.style.SUCCESS("Comptes pour la démonstration uniquement : connexion sur /admin/.")
        )
