"""The Python twin of the Ex Pusher Lite Rails controller.

- ``index`` asks the realtime service for a short-lived session token (what
  the Rails example POSTed to ``/api/sessions``) and hands it to the page,
  whose PusherLite client subscribes and publishes with it;
- ``messages`` takes the page's form post and triggers ``new_message`` on
  ``general`` through the publisher;
- ``channel_auth`` and ``user_auth`` are the auth endpoints pusher-js calls for
  private and presence channels and for sign-in;
- ``webhooks`` receives the service's webhooks and verifies their signature.
"""

from __future__ import annotations

import json
from typing import Optional

import pusher_lite
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .realtime import publisher

CHANNEL = "general"
NAME_LIMIT = 40


def current_user(request: HttpRequest) -> Optional[str]:
    name = request.session.get("name")
    return name if isinstance(name, str) and name else None


def user_info(name: str) -> str:
    return json.dumps({"name": name})


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    name = current_user(request)
    context: dict[str, object] = {"name": name, "channel": CHANNEL}
    if name:
        token = publisher().request_session(
            pusher_lite.SessionRequest(
                user_id=name,
                user_info=user_info(name),
                listen=[CHANNEL, "presence-*", "private-*"],
                publish=[CHANNEL],
                ttl_secs=3600,
            )
        )
        address = publisher().address()
        context.update(
            jwt=token,
            app_key=settings.PUSHER_LITE["APP_KEY"],
            host=address.host,
            port=address.port,
            ssl=address.use_tls,
            script_url=f"{'https' if address.use_tls else 'http'}://{address.host}:{address.port}/js/pusher.js",
        )
    return render(request, "chat/index.html", context)


@require_POST
def login(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "").strip()[:NAME_LIMIT]
    if not name:
        return HttpResponseBadRequest("a name is needed")
    request.session["name"] = name
    return redirect("index")


@require_POST
def messages(request: HttpRequest) -> HttpResponse:
    name = current_user(request)
    if name is None:
        return HttpResponse("log in first", status=403)
    text = request.POST.get("message", "").strip()
    if not text:
        return HttpResponseBadRequest("an empty message")
    try:
        publisher().trigger_with(
            [CHANNEL],
            "new_message",
            json.dumps({"name": name, "message": text}),
            # The sender's own page already shows its message.
            pusher_lite.TriggerOptions(socket_id=request.POST.get("socket_id") or None),
        )
    except pusher_lite.PusherError.Invalid as e:
        return HttpResponseBadRequest(e.reason)
    except (pusher_lite.PusherError.Transport, pusher_lite.PusherError.Http) as e:
        return HttpResponse(f"the realtime service failed: {e}", status=502)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"sent": True}, status=201)
    return redirect("index")


@require_POST
def channel_auth(request: HttpRequest) -> HttpResponse:
    name = current_user(request)
    if name is None:
        return HttpResponse("log in first", status=403)
    socket_id = request.POST.get("socket_id", "")
    channel = request.POST.get("channel_name", "")
    member = (
        pusher_lite.MemberData(user_id=name, user_info=user_info(name))
        if channel.startswith("presence-")
        else None
    )
    try:
        auth = publisher().authorize_channel(socket_id, channel, member)
    except (pusher_lite.PusherError.Invalid, pusher_lite.PusherError.Auth) as e:
        return HttpResponse(e.reason, status=403)
    return HttpResponse(auth.json, content_type="application/json")


@require_POST
def user_auth(request: HttpRequest) -> HttpResponse:
    name = current_user(request)
    if name is None:
        return HttpResponse("log in first", status=403)
    user_data = json.dumps({"id": name, "user_info": {"name": name}})
    try:
        auth = publisher().authenticate_user(request.POST.get("socket_id", ""), user_data)
    except pusher_lite.PusherError.Invalid as e:
        return HttpResponse(e.reason, status=403)
    return HttpResponse(auth.json, content_type="application/json")


@csrf_exempt
@require_POST
def webhooks(request: HttpRequest) -> HttpResponse:
    try:
        hook = publisher().verify_webhook(
            request.headers.get("X-Pusher-Key", ""),
            request.headers.get("X-Pusher-Signature", ""),
            request.body.decode("utf-8"),
        )
    except (pusher_lite.PusherError.Webhook, UnicodeDecodeError):
        return HttpResponse("unverified webhook", status=401)
    return JsonResponse({"events": len(hook.events)})
