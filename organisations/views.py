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
            # What the posting card (templates/postings/_posting_card.html) shows, one query each.
            .prefetch_related(
                Prefetch("posting__locations"),
                Prefetch(
                    "posting__organisation_roles", queryset=roles.model.objects.select_related("organisation")
                ),
            )
            .order_by("posting__deadline", "posting__pk", "order")
        )
        # One card per posting, with every role the organisation holds on it (`roles_here`, shown by the card).
        postings: dict[int, object] = {}
        for link in public_roles:
            posting = postings.setdefault(link.posting_id, link.posting)
            posting.roles_here = [*getattr(posting, "roles_here", []), link.get_role_display()]
        context.update(
            open_postings=[p for p in postings.values() if p.is_open()],
            closed_postings=[p for p in postings.values() if not p.is_open()],
        )
        return context
