from django.urls import path

from guichet.eforms import views

app_name = "eforms"

urlpatterns = [
    path("services/<slug:slug>/apply/", views.draft_start, name="draft_start"),
    path("account/drafts/", views.draft_list, name="draft_list"),
    path("account/drafts/<uuid:draft_id>/step/<int:step>/", views.draft_step, name="draft_step"),
    path("account/drafts/<uuid:draft_id>/review/", views.draft_review, name="draft_review"),
    path("account/drafts/<uuid:draft_id>/delete/", views.draft_delete, name="draft_delete"),
    path("account/cases/<uuid:case_id>/confirmation/", views.submission_confirmation, name="submission_confirmation"),
]
