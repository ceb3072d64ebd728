app_name = "participation_lists"

urlpatterns = []
