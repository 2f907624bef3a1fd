from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("postings", "0010_posting_pay_total_flag"),
    ]

    operations = [
        migrations.AddField(
            model_name='posting',
            name='contact_email_other',
            field=models.EmailField(blank=True, help_text="Une seconde adresse donnée par l'offre ; affichée, sans notification.", max_length=254, verbose_name='autre e-mail de contact'),
        ),
        migrations.AddField(
            model_name='posting',
            name='programme_text',
            field=models.TextField(blank=True, help_text="Ce que l'offre dit du programme (méthode, étapes, liens), pour une offre rattachée à aucune session.", verbose_name="le programme, selon l'offre"),
        ),
    ]
