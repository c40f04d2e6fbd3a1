from django.urls import path

from guichet.privacy import centre_views, lifecycle_views, request_views
from guichet.privacy import restriction_views as restriction_views

app_name = "privacy_centre"

urlpatterns = [
    # privacy requests that need a person (P11)
    path("requests/new/", request_views.request_create, name="request_create"),
    path("requests/<uuid:request_id>/", request_views.request_detail, name="request_detail"),
    # restriction of processing (P23) and consents (P11)
    path("restrict/profiles/<uuid:profile_id>/", restriction_views.profile_restrict, name="restrict_profile"),
    path("restrict/profiles/<uuid:profile_id>/lift/", restriction_views.profile_lift, name="restrict_profile_lift"),
    path("restrict/cases/<uuid:case_id>/", restriction_views.case_restrict, name="restrict_case"),
    path("restrict/cases/<uuid:case_id>/lift/", restriction_views.case_lift, name="restrict_case_lift"),
    path("consents/<slug:key>/withdraw/", restriction_views.consent_withdraw, name="consent_withdraw"),
    # versions of the privacy statement (P35)
    path("statement/<int:version>/object/", lifecycle_views.statement_object, name="statement_object"),
    path("statement/<int:version>/withdraw/", lifecycle_views.statement_withdraw, name="statement_withdraw"),
    path("", centre_views.index, name="index"),
    path("export/", centre_views.export, name="export"),
    path("delete/", centre_views.delete_account, name="delete"),
    path("deleted/", centre_views.account_deleted, name="deleted"),
]
