"""Back-office roles → Django groups. A membership's role decides the group (and so the model permissions);
`visible_to` decides the rows."""

from django.contrib.auth.models import Group

from organisations.models import Membership

GROUP_FOR_ROLE = {
    Membership.Role.RECRUITER: "Recruteurs",
    Membership.Role.COORDINATOR: "Coordinateurs",
}


def sync_backoffice_groups(user) -> None:
    """Put `user` in the groups of the roles they hold and out of the others (groups made by migration)."""
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    managed = Group.objects.filter(name__in=GROUP_FOR_ROLE.values())
    wanted = [group for group in managed if group.name in {GROUP_FOR_ROLE[role] for role in roles}]
    user.groups.remove(*[group for group in managed if group not in wanted])
    user.groups.add(*wanted)
