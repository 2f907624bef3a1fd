"""postings.widgets.Select writes exactly what Django's Select writes through its templates."""

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from postings import widgets
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

    assert widgets.Select(choices=CHOICES).render("city", value, attrs=attrs) == expected


def test_the_listing_filters_use_it(client, db):
    f.published_posting(country="BE", city="Liège")

    response = client.get("/")

    assert isinstance(response.context["filter"].form.fields["city"].widget, widgets.Select)
    html = response.content.decode()
    assert '<select name="city" class="select form-select" id="id_city">' in html
    assert '<option value="Liège">Liège</option>' in html


GROUPED_CHOICES = [
    ("", "---"),
    ("Europe", [("FR", "France"), ("BE", "Belgique")]),
    ("Ailleurs", [("SN", "Sénégal")]),
    ("XX", "Hors liste"),
]
AWKWARD_CHOICES = [
    ("", "Choisir"),
    ('a"b', "guillemets \" et 'apostrophes'"),
    ("<x>", "<script>alert(1)</script> & co"),
    (mark_safe("s&amp;f"), mark_safe("<em>déjà sûr</em>")),
    (3, 1234567),
    (("t", 1), "un tuple"),
]


@pytest.mark.parametrize("choices", [GROUPED_CHOICES, AWKWARD_CHOICES], ids=["optgroups", "awkward"])
@pytest.mark.parametrize("value", ["", "SN", "XX", "<x>", 3, "s&amp;f"])
@pytest.mark.parametrize(
    "attrs",
    [
        None,
        {
            "id": "x",
            "disabled": False,
            "data-n": 0,
            "data-none": None,
            "title": 'a "b" <c>',
            "multiple": True,
        },
    ],
)
def test_the_select_escapes_and_groups_like_django_templates(choices, value, attrs):
    stock = forms.Select(choices=choices)
    quick = widgets.Select(choices=choices)

    assert quick.render("pays<", value, attrs) == stock.render("pays<", value, attrs)
