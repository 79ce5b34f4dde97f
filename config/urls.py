from django.urls import include, path

from config.api import api
from jishi.accounts.urls import auth_urlpatterns
from jishi.core.views import web_manifest
from jishi.org.admin_site import jishi_admin_site
from jishi.portal.api import api as portal_api

urlpatterns = [
    path("admin/", jishi_admin_site.urls),
    path("api/v1/", api.urls),
    path("account/", include("jishi.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("manifest.webmanifest", web_manifest, name="web_manifest"),
    path("", include("jishi.org.urls")),
    path("", include("jishi.records.urls")),
    path("search/", include("jishi.search.urls")),
    path("supervision/", include("jishi.supervision.urls")),
    path("inbox/", include("jishi.notifications.urls")),
    path("duties/", include("jishi.duties.urls")),
    path("tasks/", include("jishi.tasks.urls")),
    path("summaries/", include("jishi.summaries.urls")),
    path("integrity/", include("jishi.integrity.urls")),
    path("feeds/", include("jishi.feeds.urls")),
    path("insights/", include("jishi.insights.urls")),
    path("assessment/", include("jishi.assessment.urls")),
    # The portal's open-data API: its own NinjaAPI, mounted here because ninja names its docs' URLs at the top level.
    path("public/api/", portal_api.urls),
    path("public/", include("jishi.portal.urls")),
    *auth_urlpatterns,
]

# Uploads are never served from MEDIA_URL, whatever DEBUG says: only records:attachment hands them out, after the
# record's visibility check, as a download.
