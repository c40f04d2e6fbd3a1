from django.urls import path

from guichet.backoffice import appointment_views, case_views, operator_views, privacy_views, statistics_views, views

app_name = "backoffice"

urlpatterns = [
    path("", views.index, name="index"),
    path("statistics/", statistics_views.statistics, name="statistics"),
    path("operator/", operator_views.operator_index, name="operator"),
    # privacy requests (P11): staff of the authority, or operators for requests without one
    path("privacy-requests/", privacy_views.privacy_request_queue, name="privacy_request_queue"),
    path("privacy-requests/<uuid:request_id>/", privacy_views.privacy_request_detail, name="privacy_request_detail"),
    path(
        "privacy-requests/<uuid:request_id>/start/", privacy_views.privacy_request_start, name="privacy_request_start"
    ),
    path(
        "privacy-requests/<uuid:request_id>/extend/",
        privacy_views.privacy_request_extend,
        name="privacy_request_extend",
    ),
    path(
        "privacy-requests/<uuid:request_id>/answer/",
        privacy_views.privacy_request_answer,
        name="privacy_request_answer",
    ),
    # the disclosure register (P34): operators only
    path("disclosures/", privacy_views.disclosure_register, name="disclosure_register"),
    path("disclosures/new/", privacy_views.disclosure_create, name="disclosure_create"),
    path("disclosures/<uuid:disclosure_id>/bar/", privacy_views.disclosure_bar, name="disclosure_bar"),
    path("authority/", views.choose_authority, name="choose_authority"),
    path("cases/", case_views.case_queue, name="case_queue"),
    path("cases/<uuid:case_id>/", case_views.case_detail, name="case_detail"),
    path("cases/<uuid:case_id>/status/", case_views.case_status, name="case_status"),
    path("cases/<uuid:case_id>/request/", case_views.case_request, name="case_request"),
    path("cases/<uuid:case_id>/note/", case_views.case_note, name="case_note"),
    path("cases/<uuid:case_id>/assign/", case_views.case_assign, name="case_assign"),
    path("cases/<uuid:case_id>/submission.pdf", case_views.case_pdf, name="case_pdf"),
    path("cases/<uuid:case_id>/submission.json", case_views.case_json, name="case_json"),
    path("cases/<uuid:case_id>/documents/<uuid:attachment_id>/", case_views.case_attachment, name="case_attachment"),
    path("cases/<uuid:case_id>/uploads/<uuid:upload_id>/", case_views.case_upload, name="case_upload"),
    path("appointments/", appointment_views.appointment_day, name="appointment_day"),
    path("appointments/bookings/<uuid:booking_id>/mark/", appointment_views.appointment_mark, name="appointment_mark"),
    path(
        "appointments/bookings/<uuid:booking_id>/cancel/",
        appointment_views.appointment_cancel,
        name="appointment_cancel",
    ),
    path("appointments/locations/", appointment_views.appointment_locations, name="appointment_locations"),
    path(
        "appointments/locations/new/",
        appointment_views.appointment_location_create,
        name="appointment_location_create",
    ),
    path("appointments/locations/<slug:slug>/", appointment_views.appointment_location, name="appointment_location"),
    path(
        "appointments/locations/<slug:slug>/edit/",
        appointment_views.appointment_location_edit,
        name="appointment_location_edit",
    ),
    path("appointments/locations/<slug:slug>/block/", appointment_views.appointment_block, name="appointment_block"),
    path(
        "appointments/locations/<slug:slug>/counters/new/",
        appointment_views.appointment_counter_create,
        name="appointment_counter_create",
    ),
    path(
        "appointments/locations/<slug:slug>/counters/<int:counter_id>/",
        appointment_views.appointment_counter_edit,
        name="appointment_counter_edit",
    ),
    path(
        "appointments/locations/<slug:slug>/types/new/",
        appointment_views.appointment_type_create,
        name="appointment_type_create",
    ),
    path(
        "appointments/locations/<slug:slug>/types/<int:type_id>/",
        appointment_views.appointment_type_edit,
        name="appointment_type_edit",
    ),
    path("appointments/locations/<slug:slug>/hours/", appointment_views.appointment_hours, name="appointment_hours"),
    path(
        "appointments/locations/<slug:slug>/closures/",
        appointment_views.appointment_closures,
        name="appointment_closures",
    ),
    path(
        "appointments/locations/<slug:slug>/closures/<int:closure_id>/delete/",
        appointment_views.appointment_closure_delete,
        name="appointment_closure_delete",
    ),
]
