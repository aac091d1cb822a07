from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("repositories", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="repository",
            name="metadata_fetched_at",
            field=models.DateTimeField(
                blank=True,
                help_text="when GitHub last answered a full-metadata request (REST, or the full GraphQL query) for "
                          "it; lean GraphQL rescans leave it",
                null=True,
            ),
        ),
    ]
