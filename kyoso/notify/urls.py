from django.urls import path

from kyoso.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.outbox, name="outbox"),
]
