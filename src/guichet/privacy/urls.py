from django.urls import path
from django.views.generic import TemplateView

app_name = "privacy"

urlpatterns = [
    path("", TemplateView.as_view(template_name="core/home.html"), name="statement"),
    path("cookies/", TemplateView.as_view(template_name="core/home.html"), name="cookies"),
]
