from django.urls import path

from guichet.backoffice import case_views, views

app_name = "backoffice"

urlpatterns = [
    path("", views.index, name="index"),
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
]
