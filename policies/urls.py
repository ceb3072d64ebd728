from django.urls import path

from policies import views

urlpatterns = [path("calculator/", views.calculator, name="calculator")]
