"""Answer every candidate: one email per application, in the candidate's language, recorded as an `Answer`.

An answer with an outcome other than the acknowledgement also moves the application in the pipeline (through
`pipeline.move`, so the same table of transitions decides); an application that cannot make that move is
skipped and reported, never half-answered.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications import pipeline
from applications.models import (
    Answer,
    Application,
    Outcome,
    OutgoingEmail,
    RefusalReason,
    ReplyTemplate,
    ReplyTextError,
)
from applications.tasks import enqueue_email
from organisations.models import Membership

FALLBACK_LANGUAGE = "fr"

# The pipeline status an outcome moves the application to (None: no move).
OUTCOME_STATUS: dict[str, str | None] = {
    Outcome.ACKNOWLEDGEMENT: None,
    Outcome.SHORTLISTED: Application.Status.SHORTLISTED,
    Outcome.INTERVIEW: Application.Status.INTERVIEW,
    Outcome.OFFERED: Application.Status.OFFERED,
    Outcome.REJECTED: Application.Status.REJECTED,
}

# The sentence added to a refusal when the reason is shared. Candidates' emails are content in the
# candidate's language, like the reply templates, not interface strings of the back-office.
REASON_SENTENCES: dict[str, dict[str, str]] = {
    "fr": {
        RefusalReason.PROFILE: "Votre profil ne correspond pas suffisamment au poste.",
        RefusalReason.ELIGIBILITY: "Les conditions d'éligibilité de l'offre ne sont pas remplies.",
        RefusalReason.LANGUAGE: "Le niveau de langue demandé pour la mission n'est pas atteint.",
        RefusalReason.AVAILABILITY: "Vos disponibilités ne sont pas compatibles avec les dates de la mission.",
        RefusalReason.POSITION_FILLED: "Le poste a déjà été pourvu.",
        RefusalReason.OTHER_CANDIDATES: "D'autres candidatures correspondaient mieux aux besoins de la mission.",
        RefusalReason.INCOMPLETE: "Votre candidature était incomplète.",
        RefusalReason.OTHER: "Votre candidature n'a pas été retenue pour d'autres raisons.",
    },
    "en": {
        RefusalReason.PROFILE: "Your profile does not match the position closely enough.",
        RefusalReason.ELIGIBILITY: "The eligibility conditions of the posting are not met.",
        RefusalReason.LANGUAGE: "The language level required for the position is not reached.",
        RefusalReason.AVAILABILITY: "Your availability does not fit the dates of the position.",
        RefusalReason.POSITION_FILLED: "The position has already been filled.",
        RefusalReason.OTHER_CANDIDATES: "Other applications matched the needs of the position more closely.",
        RefusalReason.INCOMPLETE: "Your application was incomplete.",
        RefusalReason.OTHER: "Your application was not retained for other reasons.",
    },
    "nl": {
        RefusalReason.PROFILE: "Uw profiel sluit onvoldoende aan bij de functie.",
        RefusalReason.ELIGIBILITY: "Er is niet voldaan aan de voorwaarden van de vacature.",
        RefusalReason.LANGUAGE: "Het vereiste taalniveau voor de opdracht wordt niet gehaald.",
        RefusalReason.AVAILABILITY: "Uw beschikbaarheid past niet bij de data van de opdracht.",
        RefusalReason.POSITION_FILLED: "De functie is al ingevuld.",
        RefusalReason.OTHER_CANDIDATES: "Andere kandidaturen sloten beter aan bij de noden van de opdracht.",
        RefusalReason.INCOMPLETE: "Uw sollicitatie was onvolledig.",
        RefusalReason.OTHER: "Uw sollicitatie werd om andere redenen niet weerhouden.",
    },
}
REASON_HEADINGS = {"fr": "Motif : ", "en": "Reason: ", "nl": "Reden: "}


@dataclass
class AnswerReport:
    answered: list[Application] = field(default_factory=list)
    skipped: list[tuple[Application, str]] = field(default_factory=list)


def language_for(application: Application) -> str:
    available = {code for code, _name in settings.LANGUAGES}
    return application.language if application.language in available else FALLBACK_LANGUAGE


def usable_templates(user, *, outcome: str) -> list[ReplyTemplate]:
    """The templates for one outcome that `user` may send (`ReplyTemplate.objects.usable_by`); without a
    user (a command, a preview), the site's only."""
    if user is None:
        usable = ReplyTemplate.objects.filter(organisation=None, programme=None)
    else:
        usable = ReplyTemplate.objects.usable_by(user)
    return list(usable.filter(outcome=outcome).select_related("organisation", "programme").order_by("pk"))


def choose_template(
    application: Application, *, templates: list[ReplyTemplate], chosen: ReplyTemplate | None = None
) -> ReplyTemplate:
    """The template to send to one candidate, from the templates the answering user may use.

    A template is one language of a family (same owner, same outcome). With `chosen`, its family; otherwise
    the most specific family in the candidate's language: the posting's organisations (the answering user's
    own, since only their templates are usable), then its programme, then the site; and only when none
    speaks it, the same order in French. A candidate reads their language before a more specific text.
    """
    language = language_for(application)
    if chosen is not None:
        if chosen.pk not in {template.pk for template in templates}:
            raise ReplyTemplate.DoesNotExist(f"Template {chosen.pk} is not usable here")
        families = [(chosen.organisation_id, chosen.programme_id)]
    else:
        posting = application.posting
        families = [(role.organisation_id, None) for role in posting.organisation_roles.all()]
        if posting.session_id:
            families.append((None, posting.session.programme_id))
        families.append((None, None))
    by_family = {(t.organisation_id, t.programme_id, t.language): t for t in templates}
    for wanted in (language, FALLBACK_LANGUAGE):
        for organisation_id, programme_id in families:
            template = by_family.get((organisation_id, programme_id, wanted))
            if template is not None:
                return template
    if chosen is not None:
        return chosen
    raise ReplyTemplate.DoesNotExist(f"No reply template for {application.pk}")


def template_choices(application: Application, user) -> list[ReplyTemplate]:
    """One template per outcome that `user` may send to this candidate (`choose_template`), in the order
    of the outcomes."""
    chosen = []
    for outcome in Outcome.values:
        try:
            chosen.append(choose_template(application, templates=usable_templates(user, outcome=outcome)))
        except ReplyTemplate.DoesNotExist:
            continue
    return chosen


def with_personal_paragraph(body: str, paragraph: str) -> str:
    """The recruiter's own paragraph, placed before the template's last paragraph (its sign-off)."""
    paragraph = "\n".join(line.rstrip() for line in paragraph.strip().splitlines())
    if not paragraph:
        return body
    parts = body.rstrip().split("\n\n")
    if len(parts) < 2:
        return f"{body.rstrip()}\n\n{paragraph}\n"
    return "\n\n".join([*parts[:-1], paragraph, parts[-1]]) + "\n"


def reply_to_for(application: Application, by) -> list[str]:
    """Where a candidate's reply goes: the answering person's organisation's reply address (an organisation
    of theirs on the posting, or operating its programme), else their own address.

    Answers leave from the site's no-reply sender; without a Reply-To, a candidate invited to an interview
    could not answer it.
    """
    posting = application.posting
    on_posting = {link.organisation_id for link in posting.organisation_roles.all()}
    operator_id = posting.session.programme.operator_id if posting.session_id else None
    memberships = Membership.objects.filter(user=by).select_related("organisation").order_by("pk")
    for membership in sorted(memberships, key=lambda m: m.organisation_id not in on_posting):
        organisation = membership.organisation
        if (organisation.pk in on_posting or organisation.pk == operator_id) and organisation.reply_to_email:
            return [organisation.reply_to_email]
    return [by.email] if getattr(by, "email", "") else []


def compose(
    application: Application,
    *,
    outcome: str,
    by=None,
    template: ReplyTemplate | None = None,
    templates: list[ReplyTemplate] | None = None,
    refusal_reason: str = "",
    reason_shared: bool = False,
    personal_paragraph: str = "",
) -> tuple[ReplyTemplate, str, str, str]:
    """(template, language, subject, body) for one application answered by `by`, from the templates they
    may use (`templates`, read once for a batch). Falls back to French when the candidate's language has no
    template for that outcome. Raises ReplyTextError when the template's text does not render."""
    if templates is None:
        templates = usable_templates(by, outcome=outcome)
    template = choose_template(
        application, templates=[t for t in templates if t.outcome == outcome], chosen=template
    )
    language = template.language
    organisations = application.posting.organisations_in_role(
        "host"
    ) or application.posting.organisations_in_role("employer")
    context = {
        "first_name": application.first_name,
        "last_name": application.last_name,
        "posting": application.posting.localized("title", language),
        "organisation": organisations[0].organisation.name if organisations else "Passerelle",
        "reference": application.reference,
    }
    subject, body = template.render(context)
    body = with_personal_paragraph(body, personal_paragraph)
    if outcome == Outcome.REJECTED and refusal_reason and reason_shared and language in REASON_SENTENCES:
        body = f"{body.rstrip()}\n\n{REASON_HEADINGS[language]}{REASON_SENTENCES[language][refusal_reason]}\n"
    return template, language, subject, body


def send_answer_email(answer: Answer, *, reply_to: list[str] | None = None) -> OutgoingEmail:
    """The one place an answer leaves Passerelle: written to the outbox in the answering transaction and
    queued after commit, so a rolled-back answer sends nothing and a mail server failure is retried like
    the receipt (`applications.tasks`, `manage.py send_pending_emails`)."""
    email = OutgoingEmail.objects.create(
        application=answer.application,
        kind=OutgoingEmail.Kind.ANSWER,
        to=[answer.application.email],
        reply_to=reply_to or [],
        subject=answer.subject,
        body=answer.body,
        language=answer.language,
    )
    transaction.on_commit(lambda: enqueue_email(email))
    return email


def answer_applications(
    applications,
    *,
    outcome: str,
    by,
    refusal_reason: str = "",
    reason_shared: bool = False,
    template: ReplyTemplate | None = None,
    personal_paragraph: str = "",
) -> AnswerReport:
    """Answer each application: move it if the outcome says so, record the Answer, send the email.

    The text comes from the templates `by` may use (`ReplyTemplate.objects.usable_by`): `template` when
    given (its family, in each candidate's language), otherwise the most specific one for each posting; sent with a Reply-To (`reply_to_for`)."""
    report = AnswerReport()
    target = OUTCOME_STATUS[outcome]
    templates = usable_templates(by, outcome=outcome)
    applications = applications.select_related("posting__session__programme").prefetch_related(
        "posting__organisation_roles__organisation"
    )
    for application in applications:
        try:
            with transaction.atomic():
                if target is not None and application.status != target:
                    pipeline.move(application, to=target, by=by)
                used, language, subject, body = compose(
                    application,
                    outcome=outcome,
                    by=by,
                    template=template,
                    templates=templates,
                    refusal_reason=refusal_reason,
                    reason_shared=reason_shared,
                    personal_paragraph=personal_paragraph,
                )
                now = timezone.now()
                answer = Answer.objects.create(
                    application=application,
                    template=used,
                    outcome=outcome,
                    language=language,
                    subject=subject,
                    body=body,
                    refusal_reason=refusal_reason if outcome == Outcome.REJECTED else "",
                    reason_shared=bool(refusal_reason and reason_shared and outcome == Outcome.REJECTED),
                    sent_at=now,
                    sent_by=by,
                )
                application.answered_at = now
                application.save(update_fields=["answered_at"])
                send_answer_email(answer, reply_to=reply_to_for(application, by))
        except pipeline.InvalidMove as error:
            report.skipped.append((application, " ".join(error.messages)))
        except ReplyTemplate.DoesNotExist:
            report.skipped.append((application, str(_("Aucun modèle de réponse pour cette issue."))))
        except ReplyTextError as error:
            report.skipped.append((application, error.message))
        else:
            report.answered.append(application)
    return report
