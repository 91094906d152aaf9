from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_review_rating_config"),
    ]

    operations = [
        migrations.CreateModel(
            name="JobRun",
            fields=[
                ("name", models.CharField(max_length=50, primary_key=True, serialize=False)),
                ("succeeded_at", models.DateTimeField()),
            ],
        ),
    ]
