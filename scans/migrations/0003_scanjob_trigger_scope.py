from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scans', '0002_scanjob_full_metadata_points_spent'),
    ]

    operations = [
        migrations.AddField(
            model_name='scanjob',
            name='trigger',
            field=models.CharField(blank=True, choices=[('page', 'a page'), ('api', 'the API'), ('runscan', 'runscan'), ('admin', 'the admin')], help_text='where it was started; blank: not recorded (older scans)', max_length=10),
        ),
        migrations.AddField(
            model_name='scanjob',
            name='scope',
            field=models.CharField(blank=True, help_text="what it covers, in words: 'label demo', '12 selected', 'import of list.md'", max_length=200),
        ),
    ]
