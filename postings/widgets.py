"""Form widgets shared by the public pages (the listing's filters, the apply form)."""

import html

from django import forms
from django.utils.formats import localize
from django.utils.safestring import SafeData, mark_safe


class Select(forms.Select):
    """A `<select>` that writes the markup of Django's `select.html` and `select_option.html` in Python.

    Those templates include a template per option and another per option's attributes: for the ~250 countries
    of the apply form and the hundreds of options of the listing's filters that was most of the pages'
    rendering time (bench/NOTES.md). Same context
    (`get_context`), same markup byte for byte (tests/postings/test_widgets.py compares both). The class is
    named `Select` on purpose: crispy-forms adds the lowercased class name to the element's CSS classes.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{_text(widget["name"])}"{_attributes(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_text(group_name)}">')
            parts.extend(
                f'\n  <option value="{_formatted(option["value"])}"{_attributes(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


def _text(value) -> str:
    """`{{ value }}` in a template: localized, then escaped unless already safe (Django's `conditional_escape`
    without its lazy-string wrapper, which cost a third of the time here)."""
    value = localize(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _formatted(value) -> str:
    """`{{ value|stringformat:'s' }}` in a template (the filter keeps a safe value safe)."""
    formatted = "%s" % (str(value) if isinstance(value, tuple) else value)
    return _text(mark_safe(formatted) if isinstance(value, SafeData) else formatted)


def _attributes(attrs: dict) -> str:
    """Django's `attrs.html`: `False` leaves the attribute out, `True` writes its name alone."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )
