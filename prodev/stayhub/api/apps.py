"""The Django app that holds the StayHub models."""

from django.apps import AppConfig


class StayHubConfig(AppConfig):
    name = "prodev.stayhub.api"
    label = "stayhub"
    verbose_name = "StayHub"
    default_auto_field = "django.db.models.AutoField"
