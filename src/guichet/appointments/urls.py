from django.urls import path

from guichet.appointments import views

app_name = "appointments"

urlpatterns = [
    path("", views.index, name="index"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/reschedule/", views.manage_reschedule, name="manage_reschedule"),
    path("manage/<str:token>/cancel/", views.manage_cancel, name="manage_cancel"),
    path("<slug:location>/<slug:kind>/", views.times, name="times"),
    path("<slug:location>/<slug:kind>/book/<str:slot>/", views.book, name="book"),
]
