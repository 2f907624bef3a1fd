import pytest
from django import forms
from django.utils import translation

from applications.forms import ApplicationForm, _country_choices
from postings import widgets
from tests import factories as f


@pytest.mark.parametrize("language", ["fr", "en", "nl"])
@pytest.mark.parametrize("value", [None, "", "FR", "ZZ", ["BE"]])
def test_the_country_select_writes_the_markup_of_django_templates(language, value):
    attrs = {
        "id": "id_country",
        "class": "select form-select is-invalid",
        "required": True,
        "aria-invalid": "true",
    }
    with translation.override(language):
        stock = forms.Select(attrs={"autocomplete": "country"}, choices=_country_choices())
        quick = widgets.Select(attrs={"autocomplete": "country"}, choices=_country_choices())

        assert quick.render("country", value, attrs) == stock.render("country", value, attrs)


@pytest.mark.django_db
def test_the_apply_form_fields_render_as_with_django_select():
    posting = f.published_posting(languages={"fr": "B2", "en": "B1"})
    quick = ApplicationForm({"country": "BE", "language_en": "C1"}, posting=posting)
    stock = ApplicationForm({"country": "BE", "language_en": "C1"}, posting=posting)
    for name in ("country", "language_fr", "language_en"):
        assert isinstance(quick.fields[name].widget, widgets.Select)
        field = stock.fields[name]
        field.widget = forms.Select(attrs=field.widget.attrs, choices=field.choices)
    quick.is_valid()
    stock.is_valid()

    for name in ("country", "language_fr", "language_en"):
        assert str(quick[name]) == str(stock[name])
