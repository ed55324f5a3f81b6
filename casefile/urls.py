from django.urls import path

from . import copy_views, views

app_name = "casefile"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("search/", views.search, name="search"),
    path("feed.atom", views.feed, name="feed"),
    path("cases/<slug:case>/", views.case_detail, name="case_detail"),
    path("cases/<slug:case>/case.json", views.case_json, name="case_json"),
    path("cases/<slug:case>/entities.ftm", views.case_entities, name="case_entities"),
    path("cases/<slug:case>/entities.gexf", views.case_graph, name="case_graph"),
    path("cases/<slug:case>/annotations.jsonld", copy_views.case_annotations, name="case_annotations"),
    path("cases/<slug:case>/corrections/", views.corrections, name="corrections"),
    path("cases/<slug:case>/changes/", views.case_changes, name="case_changes"),
    path("cases/<slug:case>/feed.atom", views.case_feed, name="case_feed"),
    path("cases/<slug:case>/actors/", views.actor_list, name="actor_list"),
    path("cases/<slug:case>/timeline/", views.event_list, name="event_list"),
    path("cases/<slug:case>/facts/", views.fact_list, name="fact_list"),
    path("cases/<slug:case>/sources/", views.source_list, name="source_list"),
    path("cases/<slug:case>/actors/<slug:slug>/", views.actor_detail, name="actor_detail"),
    path("cases/<slug:case>/events/<slug:slug>/", views.event_detail, name="event_detail"),
    path("cases/<slug:case>/facts/<slug:slug>/", views.fact_detail, name="fact_detail"),
    path("cases/<slug:case>/sources/<slug:slug>/", views.source_detail, name="source_detail"),
    path("cases/<slug:case>/sources/<slug:slug>/copies/<int:capture>/", copy_views.shared_copy, name="shared_copy"),
]

# Where crawlers and browsers look for them: at the root of the site.
urlpatterns += [
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("robots.txt", views.robots, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
]
