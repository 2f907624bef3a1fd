"""`rich_text`: the small Markdown subset recruiters type in postings, as safe HTML.

Supported: paragraphs (a single line break is kept as <br>), `- `/`* `/`• ` bullet lists and `1. ` numbered
lists (nested by indentation), `### `/`#### ` headings, `> ` quotes, **bold**, *italics*, [links](https://...)
and bare http(s) addresses. Why not the `markdown` package: postings put a list right under a sentence
without a blank line and nest with two spaces, which standard Markdown reads as plain text; this subset is
what the seeds use, in ~100 lines. Whatever the converter emits then goes through nh3 with a strict
allow-list, so a bug here cannot let a script, an image or a `javascript:` link through.
"""

import re

import nh3
from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "br", "h3", "h4", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"

_BULLET = re.compile(r"^(?P<indent>[ \t]*)(?:(?P<bullet>[-*•])|(?P<number>\d{1,3})[.)])[ \t]+(?P<text>.*)$")
_HEADING = re.compile(r"^(?P<level>#{3,4})[ \t]+(?P<text>.+)$")
_LINK = re.compile(r"\[(?P<label>[^\]\n]+)\]\((?P<url>(?:https?://|mailto:)[^)\s]+)\)")
_BARE_URL = re.compile(r"(?<![\"'=>])\bhttps?://[^\s<]+[^\s<.,;:!?)»]")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")


def _inline(text: str) -> str:
    """Escape, then turn the inline marks into tags. Links are taken out first so their URL stays intact."""
    links: list[str] = []

    def keep(html: str) -> str:
        links.append(html)
        return f"\x00{len(links) - 1}\x00"

    text = _LINK.sub(
        lambda m: keep(f'<a href="{escape(m["url"])}">{_emphasis(escape(m["label"]))}</a>'), text
    )
    text = _BARE_URL.sub(lambda m: keep(f'<a href="{escape(m[0])}">{escape(m[0])}</a>'), text)
    text = _emphasis(escape(text))
    return re.sub(r"\x00(\d+)\x00", lambda m: links[int(m[1])], text)


def _emphasis(html: str) -> str:
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _ITALIC.sub(r"<em>\1</em>", html)


def _indent_width(indent: str) -> int:
    return len(indent.replace("\t", "    "))


def _render_list(items: list[tuple[int, bool, str]]) -> str:
    """items: (indent, ordered, inline html). Deeper indentation opens a nested list in the previous item."""
    html: list[str] = []
    stack: list[tuple[int, str]] = []  # (indent, tag) of the open lists
    for indent, ordered, content in items:
        tag = "ol" if ordered else "ul"
        while stack and indent < stack[-1][0]:
            html.append(f"</li></{stack.pop()[1]}>")
        if stack and indent == stack[-1][0] and tag != stack[-1][1]:
            # "1." right after "-" items (or the reverse) at the same depth starts a new list.
            html.append(f"</li></{stack.pop()[1]}>")
        if stack and indent == stack[-1][0]:
            html.append("</li>")
        else:
            html.append(f"<{tag}>")
            stack.append((indent, tag))
        html.append(f"<li>{content}")
    while stack:
        html.append(f"</li></{stack.pop()[1]}>")
    return "".join(html)


def markdown_subset_to_html(text: str) -> str:
    """Convert the subset to HTML (not yet sanitised)."""
    blocks: list[str] = []
    paragraph: list[str] = []
    quote: list[str] = []
    items: list[tuple[int, bool, str]] = []

    def flush() -> None:
        if paragraph:
            blocks.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()
        if quote:
            blocks.append(
                "<blockquote><p>" + "<br>".join(_inline(line) for line in quote) + "</p></blockquote>"
            )
            quote.clear()
        if items:
            blocks.append(_render_list(items))
            items.clear()

    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        if bullet := _BULLET.match(line):
            if paragraph or quote:
                flush()
            items.append(
                (_indent_width(bullet["indent"]), bullet["number"] is not None, _inline(bullet["text"]))
            )
            continue
        if items and line[:1] in (" ", "\t"):
            # An indented line under a list item continues that item.
            indent, ordered, content = items[-1]
            items[-1] = (indent, ordered, f"{content}<br>{_inline(line.strip())}")
            continue
        if heading := _HEADING.match(line.strip()):
            flush()
            level = len(heading["level"])
            blocks.append(f"<h{level}>{_inline(heading['text'])}</h{level}>")
            continue
        if line.lstrip().startswith(">"):
            if paragraph or items:
                flush()
            quote.append(line.lstrip()[1:].strip())
            continue
        if items or quote:
            flush()
        paragraph.append(line.strip())
    flush()
    return "\n".join(blocks)


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


@register.filter(is_safe=True)
def rich_text(value: str | None) -> SafeString:
    """Posting text as sanitised HTML: `{{ posting.missions|rich_text }}`."""
    return mark_safe(sanitise(markdown_subset_to_html(str(value or ""))))  # noqa: S308 (sanitised by nh3)


@register.filter
def short_url(url: str) -> str:
    """An address as people write it: "www.mineursenexil.be", without the scheme and the final slash."""
    return re.sub(r"^https?://", "", url or "").rstrip("/")
