"""Settings of the PusherLite chat example: no database (signed-cookie
sessions), one app, and the realtime service configured by the Ex Pusher Lite
environment variables."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "development-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = ["chat"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "chatsite.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
WSGI_APPLICATION = "chatsite.wsgi.application"
DATABASES: dict = {}
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
USE_TZ = True

# The realtime service: the variables the Ex Pusher Lite Rails example used,
# plus the app id and secret for the Pusher HTTP API (printed by
# `pusher-lite-server` at start).
PUSHER_LITE = {
    "HOST": os.environ.get("PUSHER_LITE_HOST", "127.0.0.1:6001"),
    "ORGANIZATION": os.environ.get("PUSHER_LITE_ORGANIZATION", "acme-inc"),
    "SECRET_TOKEN": os.environ.get("PUSHER_LITE_SECRET_TOKEN", ""),
    "APP_ID": os.environ.get("PUSHER_LITE_APP_ID", ""),
    "APP_KEY": os.environ.get("PUSHER_LITE_APP_KEY", ""),
    "APP_SECRET": os.environ.get("PUSHER_LITE_APP_SECRET", ""),
}
