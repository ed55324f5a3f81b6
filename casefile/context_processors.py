from django.conf import settings


def newsroom(request):
    return {"newsroom_name": settings.NEWSROOM_NAME, "newsroom_url": settings.NEWSROOM_URL}
