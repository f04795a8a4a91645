"""The ROD queue screen for the applicatiebeheerder (every instelling) filters on a status, a key
or the deletions, newest first: at 499,000 messages each was a sequential scan of the whole table
(about 100 ms, growing with every year of deliveries). A beheerder's lists keep using
rodbericht_lijst_idx (instelling first)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registratie', '0020_rodbericht_indexen_rodv'),
        ('samenwerking', '0003_api_sleutel'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='rodbericht',
            index=models.Index(fields=['status', '-id'], name='rodbericht_status_idx'),
        ),
        migrations.AddIndex(
            model_name='rodbericht',
            index=models.Index(fields=['sleutel', '-id'], name='rodbericht_sleutel_idx'),
        ),
        migrations.AddIndex(
            model_name='rodbericht',
            index=models.Index(condition=models.Q(('soort', 'verwijdering')), fields=['-id'], name='rodbericht_verwijdering_idx'),
        ),
    ]
