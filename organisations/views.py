"""The public page of an organisation. Its postings are reached through the reverse relation
`posting_roles` (defined by the postings app), so this app does not import postings."""

from django.db.models import Prefetch
from django.views.generic import DetailView

from organisations.models import Organisation


class OrganisationDetailView(DetailView):
    http_method_names = ["get", "head", "options"]  # a public page reads, never writes
    model = Organisation
    template_name = "organisations/organisation_detail.html"
    context_object_name = "organisation"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        roles = self.object.posting_roles
        posting_model = roles.model._meta.get_field("posting").related_model
        public_roles = (
            roles.filter(posting__in=posting_model.objects.published())
            .select_related("posting__session")
            .prefetch_related(Prefetch("posting__locations"))
            .order_by("posting__deadline", "posting__pk", "order")
        )
        # One entry per posting, with every role the organisation holds on it.
        entries: dict[int, dict] = {}
        for link in public_roles:
            entry = entries.setdefault(link.posting_id, {"posting": link.posting, "roles": []})
            entry["roles"].append(link.get_role_display())
        context.update(
            open_entries=[e for e in entries.values() if e["posting"].is_open()],
            closed_entries=[e for e in entries.values() if not e["posting"].is_open()],
        )
        return context
