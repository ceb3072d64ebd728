from projects.import_views import PARTICIPATION_LIST

app_name = "participation_lists"

urlpatterns = PARTICIPATION_LIST.urls()
