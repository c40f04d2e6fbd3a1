from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from guichet.catalogue import views as catalogue_views
from guichet.core import views as core_views

urlpatterns = [
    path("", catalogue_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("theme.css", core_views.theme_css, name="theme_css"),
    path("readyz", core_views.readyz, name="readyz"),
    path("language/<str:code>/", core_views.language, name="language"),
    path("", include("guichet.eforms.urls")),
    path("services/", include("guichet.catalogue.urls")),
    path("accounts/", include("guichet.accounts.urls_auth")),
    path("account/cases/", include("guichet.cases.urls")),
    path("account/privacy/", include("guichet.privacy.centre_urls")),
    path("account/", include("guichet.accounts.urls")),
    path("privacy/", include("guichet.privacy.urls")),
    path("appointments/", include("guichet.appointments.urls")),
    path("backoffice/", include("guichet.backoffice.urls")),
    path(settings.ADMIN_URL_PREFIX, admin.site.urls),
]

handler400 = "guichet.core.views.bad_request"
handler403 = "guichet.core.views.permission_denied"
handler404 = "guichet.core.views.page_not_found"
handler500 = "guichet.core.views.server_error"
