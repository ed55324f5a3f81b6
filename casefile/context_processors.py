from django.conf import settings


def newsroom(request):
    return {
        "newsroom_name": settings.NEWSROOM_NAME,
        "newsroom_url": settings.NEWSROOM_URL,
        # Set by an editor's preview of a page after the approval they are reviewing.
        "preview": getattr(request, "casefile_preview", None),
    }
