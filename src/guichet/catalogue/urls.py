from django.urls import path

from guichet.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.service_list, name="list"),
    path("<slug:slug>/", views.service_detail, name="detail"),
]
