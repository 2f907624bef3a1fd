from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("postings", "0008_posting_stated_deadline"),
    ]

    operations = [
        migrations.AddField(
            model_name='postinglanguage',
            name='level_text',
            field=models.CharField(blank=True, help_text="Les mots de l'offre : « bon niveau », « courant », « bilingue »…", max_length=120, verbose_name="niveau tel qu'indiqué"),
        ),
        migrations.AlterField(
            model_name='postinglanguage',
            name='level',
            field=models.CharField(blank=True, choices=[('A1', 'A1'), ('A2', 'A2'), ('B1', 'B1'), ('B2', 'B2'), ('C1', 'C1'), ('C2', 'C2')], help_text="Seulement si l'offre indique un niveau du CECRL (A1 à C2).", max_length=2, verbose_name='niveau CECRL'),
        ),
    ]
