from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("postings", "0007_covering_listing_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name='posting',
            name='deadline_is_date_only',
            field=models.BooleanField(default=False, help_text="Cochée : l'offre donne un jour sans heure. Aucune heure n'est affichée et les candidatures ferment à la fin de ce jour.", verbose_name='date limite sans heure'),
        ),
        migrations.AddField(
            model_name='posting',
            name='deadline_text',
            field=models.CharField(blank=True, help_text="Les mots de l'offre, quand elle ne donne pas de date complète (ex. « 22 janvier »).", max_length=120, verbose_name="date limite telle qu'indiquée"),
        ),
    ]
