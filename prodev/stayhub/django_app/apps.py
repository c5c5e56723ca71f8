"""The app's configuration: one label, `stayhub`, wherever the app is installed."""

from django.apps import AppConfig


class StayHubConfig(AppConfig):
    name = "prodev.stayhub.django_app"
    label = "stayhub"
    verbose_name = "StayHub"
    default_auto_field = "django.db.models.AutoField"
