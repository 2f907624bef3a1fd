"""The development mail backend: each e-mail printed on the console as a person reads it.

Django's console backend prints the raw MIME message, where French text is quoted-printable (`re=C3=A7u`).
This one prints the headers decoded, then each text part as text, and names the attachments.
"""

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend


class EmailBackend(DjangoConsoleBackend):
    def write_message(self, message):
        msg = message.message()
        lines = [
            f"{name}: {value}" for name, value in msg.items() if name.lower() != "content-transfer-encoding"
        ]
        for part in msg.walk():
            if part.is_multipart():
                continue
            filename = part.get_filename()
            if part.get_content_maintype() == "text" and not filename:
                lines += ["", f"[{part.get_content_type()}]", part.get_content().rstrip("\n")]
            else:
                size = len(part.get_payload(decode=True) or b"")
                lines.append(
                    f"[attachment: {filename or 'unnamed'}, {part.get_content_type()}, {size} bytes]"
                )
        self.stream.write("\n".join(lines) + "\n")
        self.stream.write("-" * 79 + "\n")
