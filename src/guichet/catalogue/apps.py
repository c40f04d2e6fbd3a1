from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "guichet.catalogue"
    label = "catalogue"
