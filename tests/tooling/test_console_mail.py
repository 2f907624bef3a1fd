"""E-mails printed in development read as text, French included (not quoted-printable)."""

from io import StringIO

from django.core.mail import EmailMultiAlternatives

from tooling.mail import EmailBackend


def test_a_french_email_is_printed_as_text_with_its_html_part_and_attachment_named():
    stream = StringIO()
    email = EmailMultiAlternatives(
        subject="Candidature reçue – Observatoire des frontières",
        body="Bonjour Amélie,\nvotre candidature a bien été reçue.",
        from_email="Passerelle <noreply@passerelle.localhost>",
        to=["amelie@example.org"],
    )
    email.attach_alternative("<p>Votre candidature a bien été reçue.</p>", "text/html")
    email.attach("lettre.pdf", b"%PDF-1.4 lettre", "application/pdf")

    EmailBackend(stream=stream).send_messages([email])

    printed = stream.getvalue()
    assert "Subject: Candidature reçue – Observatoire des frontières" in printed
    assert "Bonjour Amélie,\nvotre candidature a bien été reçue." in printed
    assert "<p>Votre candidature a bien été reçue.</p>" in printed
    assert "[attachment: lettre.pdf, application/pdf, 15 bytes]" in printed
    assert "=C3" not in printed
