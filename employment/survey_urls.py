from employment.survey_views import SURVEY_LIST

app_name = "surveys"

urlpatterns = SURVEY_LIST.urls()
