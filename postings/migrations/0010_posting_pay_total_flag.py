from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("postings", "0009_language_level_as_stated"),
    ]

    operations = [
        migrations.AddField(
            model_name='posting',
            name='monthly_pay_is_total',
            field=models.BooleanField(default=False, help_text="Cochée : le montant mensuel est la somme des éléments de rémunération, que l'offre ne donne pas elle-même ; il est affiché « soit … au total ».", verbose_name='montant calculé'),
        ),
    ]
