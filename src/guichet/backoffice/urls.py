from django.urls import path

from guichet.backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("", views.index, name="index"),
    path("authority/", views.choose_authority, name="choose_authority"),
]
