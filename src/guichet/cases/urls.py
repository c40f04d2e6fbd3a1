from django.urls import path

from guichet.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/receipt.pdf", views.case_receipt, name="receipt"),
    path("<uuid:case_id>/reply/", views.case_reply, name="reply"),
    path("<uuid:case_id>/reuse/", views.case_reuse, name="reuse"),
    path("<uuid:case_id>/documents/<uuid:attachment_id>/", views.case_attachment, name="attachment"),
    path("<uuid:case_id>/uploads/<uuid:upload_id>/", views.case_upload, name="upload"),
]
