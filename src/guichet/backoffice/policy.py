"""Who may use the backoffice: staff of an authority, acting for exactly one authority at a time.

Other apps protect their staff views with ``staff_actor_required`` and read the actor with
``staff_request_actor``; their selectors then scope every query to ``actor.authority``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from guichet.backoffice.selectors import staff_actor_for_request
from guichet.core.actor import Actor

logger = logging.getLogger("guichet.backoffice")

ViewFunc = Callable[..., HttpResponseBase]


def staff_actor_required(view: ViewFunc) -> ViewFunc:
    """Guests go to the login page; accounts without a staff membership get a 404 (not found
    and not allowed look the same). For staff, ``request.actor`` becomes the staff actor."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        actor = staff_actor_for_request(request)
        if actor is None:
            logger.warning("backoffice denied account=%s path=%s", request.user.pk, request.path)
            raise Http404
        request.actor = actor  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def staff_request_actor(request: HttpRequest) -> Actor:
    """The staff actor set by ``staff_actor_required``."""
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None or not actor.is_staff:
        raise Http404
    return actor
