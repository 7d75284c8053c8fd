from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path

from example_project import views

urlpatterns = [
    path("", views.home, name="home"),
    path("protected/", views.protected, name="protected"),
    path("accounts/", include("django_turkeysms.urls")),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
