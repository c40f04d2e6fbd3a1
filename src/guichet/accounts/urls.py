from django.urls import path

from guichet.accounts import notification_views, views

app_name = "account"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("profiles/", views.profiles, name="profiles"),
    path("profiles/new/<slug:kind>/", views.profile_create, name="profile_create"),
    path("profiles/<uuid:profile_id>/edit/", views.profile_edit, name="profile_edit"),
    path("profiles/<uuid:profile_id>/delete/", views.profile_delete, name="profile_delete"),
    path("profiles/<uuid:profile_id>/activate/", views.profile_activate, name="profile_activate"),
    path("notifications/", notification_views.notifications, name="notifications"),
]
