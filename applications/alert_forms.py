from django import forms
from django.utils.translation import gettext_lazy as _

from applications.alert_models import Alert


class AlertForm(forms.Form):
    email = forms.EmailField(
        label=_("Votre adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    frequency = forms.ChoiceField(
        label=_("Fréquence"),
        choices=Alert.Frequency.choices,
        initial=Alert.Frequency.WEEKLY,
        widget=forms.RadioSelect,
    )
    # The listing's search, carried from the page the visitor came from.
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)


class FrequencyForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("Fréquence"),
        choices=Alert.Frequency.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Votre adresse e-mail"),
        max_length=254,
        help_text=_("Celle que vous avez indiquée en postulant."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
