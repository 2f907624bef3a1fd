"""PlainSelect writes exactly what Django's Select writes through its templates."""

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from postings.widgets import PlainSelect
from tests import factories as f

CHOICES = [
    ("", "Tous les pays"),
    ("FR", "France"),
    ("BE", "Belgique"),
    ("x\"<&>'", "Lyon & « Villeurbanne » <b>"),
    (7, 1234),
    ("lazy", gettext_lazy("Toutes les villes")),
    ("safe", mark_safe("<em>déjà sûr</em>")),
    ("Groupe <1>", [("a", "A"), ("b", "B & b")]),
]


@pytest.mark.parametrize("value", [None, "", "FR", "x\"<&>'", 7, "b", "absent"])
@pytest.mark.parametrize(
    "attrs",
    [
        None,
        {"class": "form-select", "id": "id_city"},
        {"required": True, "disabled": False, "aria-describedby": 'h"1'},
    ],
)
def test_plain_select_renders_like_django_select(value, attrs):
    expected = forms.Select(choices=CHOICES).render("city", value, attrs=attrs)

    assert PlainSelect(choices=CHOICES).render("city", value, attrs=attrs) == expected


def test_the_listing_filters_use_it(client, db):
    f.published_posting(country="BE", city="Liège")

    response = client.get("/")

    assert isinstance(response.context["filter"].form.fields["city"].widget, PlainSelect)
    html = response.content.decode()
    assert '<select name="city" class="plainselect form-select" id="id_city">' in html
    assert '<option value="Liège">Liège</option>' in html
