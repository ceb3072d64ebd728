from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("", views.payables, name="payables"),
    path("statement.xlsx", views.statement, name="statement"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/new/", views.batch_new, name="batch_new"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
]
