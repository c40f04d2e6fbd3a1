from django.urls import path

from guichet.privacy import centre_views

app_name = "privacy_centre"

urlpatterns = [
    path("", centre_views.index, name="index"),
    path("export/", centre_views.export, name="export"),
    path("delete/", centre_views.delete_account, name="delete"),
    path("deleted/", centre_views.account_deleted, name="deleted"),
]
