from django.urls import path

from kyoso.directory import views

app_name = "directory"

urlpatterns = [
    path("search", views.search, name="search"),
]
