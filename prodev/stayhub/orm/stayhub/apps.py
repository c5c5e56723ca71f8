"""App configuration of the module 09 StayHub models."""

from django.apps import AppConfig


class StayHubConfig(AppConfig):
    name = "prodev.stayhub.orm.stayhub"
    label = "stayhub_orm"
    verbose_name = "StayHub (module 09)"
    default_auto_field = "django.db.models.AutoField"
