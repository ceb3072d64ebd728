from django.urls import path

from beneficiaries import views

urlpatterns = [
    path("people/", views.search, name="search"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/id-number/", views.person_correct_id, name="person_correct_id"),
    path("people/<int:pk>/status/", views.person_status, name="person_status"),
    path("people/<int:pk>/holdings/new/", views.holding_add, name="holding_add"),
    path("people/<int:pk>/enrollments/new/", views.enrollment_add, name="enrollment_add"),
    path("holdings/<int:pk>/end/", views.holding_end, name="holding_end"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/pick/", views.household_pick, name="household_pick"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
]
