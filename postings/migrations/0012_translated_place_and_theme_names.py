from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("postings", "0011_posting_contacts_and_programme_text"),
    ]

    operations = [
        migrations.AddField(
            model_name='postinglocation',
            name='city_en',
            field=models.CharField(blank=True, help_text='Seulement si elle a un nom anglais (Brussels).', max_length=100, verbose_name='ville en anglais'),
        ),
        migrations.AddField(
            model_name='postinglocation',
            name='city_nl',
            field=models.CharField(blank=True, help_text='Seulement si elle a un nom néerlandais (Brussel, Luik).', max_length=100, verbose_name='ville en néerlandais'),
        ),
        migrations.AddField(
            model_name='theme',
            name='name_en',
            field=models.CharField(blank=True, max_length=120, verbose_name='nom en anglais'),
        ),
        migrations.AddField(
            model_name='theme',
            name='name_nl',
            field=models.CharField(blank=True, max_length=120, verbose_name='nom en néerlandais'),
        ),
    ]
