from django.urls import path

from guichet.privacy import centre_views

app_name = "privacy_centre"

urlpatterns = [
    path("", centre_views.index, name="index"),
]
