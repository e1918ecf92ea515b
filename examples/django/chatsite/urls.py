from django.urls import path

from chat import views

urlpatterns = [
    path("", views.index, name="index"),
    path("login", views.login, name="login"),
    path("messages", views.messages, name="messages"),
    path("pusher/auth", views.channel_auth, name="channel-auth"),
    path("pusher/user-auth", views.user_auth, name="user-auth"),
    path("webhooks", views.webhooks, name="webhooks"),
]
