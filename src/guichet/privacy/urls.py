from django.urls import path

from guichet.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.statement, name="statement"),
    path("cookies/", views.cookies, name="cookies"),
    path("record/", views.record, name="record"),
    path("ui/", views.ui_state, name="ui_state"),
]
