from django.urls import path
from django.views.generic import TemplateView

app_name = "backoffice"

urlpatterns = [
    path("", TemplateView.as_view(template_name="core/home.html"), name="index"),
]
