"""Valid PDFs of any size for the benchmark's data and load clients. No Django import: the load clients
run in their own processes (`import pdfs` from bench/), the data generator imports `bench.pdfs`."""

import random


def minimal_pdf(lines: list[str], padding: int = 0) -> bytes:
    """A small but valid PDF (one page of text, correct xref table). `padding` adds a binary stream of that size."""
    text_ops = (
        "BT /F1 11 Tf 50 780 Td 14 TL "
        + " ".join(
            "({}) '".format(
                line.encode("latin-1", "replace")
                .decode("latin-1")
                .replace("\\", "")
                .replace("(", "[")
                .replace(")", "]")
            )
            for line in lines
        )
        + " ET"
    )
    content = text_ops.encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    if padding:
        blob = random.Random(padding).randbytes(padding)
        objects.append(b"<< /Length %d >>\nstream\n" % len(blob) + blob + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
