from django.urls import path

from guichet.appointments import views

app_name = "appointments"

urlpatterns = [
    path("", views.index, name="index"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/reschedule/", views.manage_reschedule, name="manage_reschedule"),
    path("manage/<str:token>/cancel/", views.manage_cancel, name="manage_cancel"),
    # An account holder's own bookings (linked from the dashboard; no token needed).
    path("mine/<uuid:booking_id>/", views.mine, name="mine"),
    path("mine/<uuid:booking_id>/reschedule/", views.mine_reschedule, name="mine_reschedule"),
    path("mine/<uuid:booking_id>/cancel/", views.mine_cancel, name="mine_cancel"),
    path("<slug:location>/<slug:kind>/", views.times, name="times"),
    path("<slug:location>/<slug:kind>/book/<str:slot>/", views.book, name="book"),
]
