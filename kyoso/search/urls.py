from django.urls import path

from kyoso.search import views

app_name = "search"

urlpatterns = [
    path("", views.search, name="search"),
    path("suggest/", views.suggestions, name="suggest"),
]
