from django.urls import path
from django.views.generic import TemplateView

app_name = "account"

urlpatterns = [
    path("", TemplateView.as_view(template_name="core/home.html"), name="dashboard"),
    path("profiles/", TemplateView.as_view(template_name="core/home.html"), name="profiles"),
]
