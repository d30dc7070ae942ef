"""Account endpoints: login/logout, forgotten password, activation and reset links,
demo/operator login links, language choice, and the bearer-token API.

Thin: each handler identifies the caller, calls ``portal.accounts.service`` and
renders. Messages never reveal whether an e-mail address exists.
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from portal.accounts import service
from portal.accounts.invitations import reset_after_commit
from portal.accounts.models import AuthSession, SessionKind, TokenPurpose
from portal.errors import BadCredentials, DomainError, InvalidInput, RateLimited
from portal.i18n import LANGUAGES, translate
from portal.roster.queries import children_of, deadlines_for, groups_of
from portal.web.requests import (
    LANG_COOKIE,
    client_ip,
    form_text,
    identify,
    language,
    read_form,
    require_role,
    runtime,
)
from portal.web.responses import (
    clear_session_cookie,
    json_body,
    json_text,
    redirect,
    set_session_cookie,
)
from portal.web.templating import render

FORGOT_PER_IP_PER_HOUR = 10
FORGOT_PER_ACCOUNT_PER_HOUR = 3


def _device_label(request: Request) -> str:
    return request.headers.get("user-agent", "")[:200]


async def login_page(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
    if caller.principal is not None:
        return redirect("/")
    notice = translate("auth.logged_out", language(request)) if request.query_params.get("bye") else None
    context = {"organisation": caller.organisation, "notice": notice, "next": request.query_params.get("next", "")}
    return render(request, "login.html", context)


async def login_submit(request: Request) -> Response:
    rt = runtime(request)
    form = await read_form(request)
    email = form_text(form, "email")
    failure: BadCredentials | RateLimited | None = None
    async with rt.uow() as uow:
        caller = await identify(request, uow.session)
        try:
            user = await service.authenticate(
                uow.session,
                rt.limiter,
                rt.settings,
                caller.organisation,
                email,
                form_text(form, "password"),
                client_ip(request),
            )
        except (BadCredentials, RateLimited) as exc:  # nothing was written; render the form again
            failure = exc
        else:
            token, _ = await service.start_session(
                uow.session,
                user,
                SessionKind.BROWSER,
                label=_device_label(request),
                lifetime=dt.timedelta(days=rt.settings.session_days),
            )
    if failure is not None:
        context = {
            "organisation": caller.organisation,
            "error": failure.message(language(request)),
            "email": email,
            "next": form_text(form, "next"),
        }
        return render(request, "login.html", context, status_code=failure.status, headers=failure.headers())
    response = redirect(form_text(form, "next") or "/")  # redirect() keeps it on this site
    set_session_cookie(response, token, rt.settings)
    return response


async def logout(request: Request) -> Response:
    rt = runtime(request)
    await read_form(request)
    async with rt.uow() as uow:
        caller = await identify(request, uow.session)
        if caller.principal is not None:
            caller.principal.session.revoked_at = dt.datetime.now(dt.UTC)
    response = redirect("/login?bye=1")
    clear_session_cookie(response, rt.settings)
    # the installable app's caches and service worker go with the session (its push
    # subscription is removed with the session on the server: notify.dispatch)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


async def forgot_page(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
    return render(request, "forgot.html", {"organisation": caller.organisation})


async def forgot_submit(request: Request) -> Response:
    rt = runtime(request)
    form = await read_form(request)
    email = service.normalise_email(form_text(form, "email"))
    async with rt.uow() as uow:
        caller = await identify(request, uow.session)
        org_id = caller.organisation.id
        allowed = not await rt.limiter.hit(f"forgot:ip:{client_ip(request)}", FORGOT_PER_IP_PER_HOUR, 3600)
        allowed = allowed and not await rt.limiter.hit(
            f"forgot:acct:{org_id}:{email}", FORGOT_PER_ACCOUNT_PER_HOUR, 3600
        )
        user = await service.request_password_reset(uow.session, org_id, email) if allowed and email else None
        if user is not None:
            reset_after_commit(uow, rt.queue, user.id)
    # the same answer whether or not the address exists or was rate limited
    notice = translate("auth.reset_sent", language(request))
    return render(request, "forgot.html", {"organisation": caller.organisation, "notice": notice})


async def set_password_page(request: Request) -> Response:
    token = request.path_params["token"]
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        try:
            user, _ = await service.peek_link_token(
                uow.session,
                caller.organisation.id,
                token,
                (TokenPurpose.ACTIVATE, TokenPurpose.RESET),
            )
        except DomainError as exc:
            return _link_problem(request, caller.organisation, exc)
    return render(
        request,
        "set_password.html",
        {"organisation": caller.organisation, "name": user.display_name},
    )


async def set_password_submit(request: Request) -> Response:
    rt = runtime(request)
    token = request.path_params["token"]
    form = await read_form(request)
    try:
        async with rt.uow() as uow:
            caller = await identify(request, uow.session)
            user = await service.set_password_with_link(
                uow.session,
                caller.organisation.id,
                token,
                form_text(form, "password"),
                form_text(form, "password2"),
            )
            session_token, _ = await service.start_session(
                uow.session,
                user,
                SessionKind.BROWSER,
                label=_device_label(request),
                lifetime=dt.timedelta(days=rt.settings.session_days),
            )
    except InvalidInput as exc:
        async with rt.uow() as uow:
            caller = await identify(request, uow.session)
            try:
                user, _ = await service.peek_link_token(
                    uow.session,
                    caller.organisation.id,
                    token,
                    (TokenPurpose.ACTIVATE, TokenPurpose.RESET),
                )
            except DomainError as link_exc:
                return _link_problem(request, caller.organisation, link_exc)
        context = {
            "organisation": caller.organisation,
            "name": user.display_name,
            "error": exc.message(language(request)),
        }
        return render(request, "set_password.html", context, status_code=exc.status)
    except DomainError as exc:
        async with rt.uow() as uow:
            caller = await identify(request, uow.session)
        return _link_problem(request, caller.organisation, exc)
    response = redirect("/")
    set_session_cookie(response, session_token, rt.settings)
    return response


async def login_link(request: Request) -> Response:
    """One-time login links printed by ``schriftje demo`` / ``schriftje login-link`` (never e-mailed)."""
    rt = runtime(request)
    try:
        async with rt.uow() as uow:
            caller = await identify(request, uow.session)
            user = await service.redeem_link_token(
                uow.session,
                caller.organisation.id,
                request.path_params["token"],
                (TokenPurpose.LOGIN,),
            )
            token, _ = await service.start_session(
                uow.session,
                user,
                SessionKind.BROWSER,
                label=_device_label(request),
                lifetime=dt.timedelta(days=rt.settings.session_days),
            )
    except DomainError as exc:
        async with rt.uow() as uow:
            caller = await identify(request, uow.session)
        return _link_problem(request, caller.organisation, exc)
    response = redirect("/")
    set_session_cookie(response, token, rt.settings)
    return response


def _link_problem(request: Request, organisation: object, exc: DomainError) -> Response:
    context = {"organisation": organisation, "error": exc.message(language(request))}
    return render(request, "link_problem.html", context, status_code=exc.status)


async def choose_language(request: Request) -> Response:
    code = request.path_params["code"]
    response = redirect(request.query_params.get("next", "/"))
    if code in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            code,
            max_age=365 * 86400,
            samesite="lax",
            secure=runtime(request).settings.https,
        )
    return response


# ---- JSON API ---------------------------------------------------------------------


def _session_json(auth: AuthSession, current_id: int) -> dict[str, object]:
    return {
        "id": auth.id,
        "kind": auth.kind.value,
        "label": auth.label,
        "created_at": auth.created_at.isoformat(),
        "last_seen_at": auth.last_seen_at.isoformat(),
        "expires_at": auth.expires_at.isoformat() if auth.expires_at else None,
        "current": auth.id == current_id,
    }


async def api_create_token(request: Request) -> Response:
    """Exchange e-mail and password for a bearer token (apps, group tablets)."""
    rt = runtime(request)
    data = await json_body(request)
    email, password = json_text(data, "email"), json_text(data, "password")
    label = json_text(data, "label", max_len=200) or _device_label(request)
    async with rt.uow() as uow:
        caller = await identify(request, uow.session, authenticate=False)
        user = await service.authenticate(
            uow.session,
            rt.limiter,
            rt.settings,
            caller.organisation,
            email,
            password,
            client_ip(request),
        )
        token, created = await service.start_session(
            uow.session, user, SessionKind.BEARER, label=label, lifetime=dt.timedelta(days=rt.settings.token_days)
        )
    return JSONResponse({"token": token, "session": _session_json(created, created.id)}, status_code=201)


async def api_me(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        principal = require_role(caller)
        user = principal.user
        children = await children_of(uow.session, user)
        groups = await groups_of(uow.session, user) if user.role.is_staff else []
        deadlines = await deadlines_for(uow.session, user, caller.organisation)
    return JSONResponse(
        {
            "id": user.id,
            "name": user.display_name,
            "email": user.email,
            "role": user.role.value,
            "organisation": {
                "slug": caller.organisation.slug,
                "name": caller.organisation.name,
            },
            "children": [vars(c) for c in children],
            "groups": [vars(g) for g in groups],
            "leaving": [
                {
                    "child_id": d.child_id,
                    "end_date": d.end_date.isoformat(),
                    "access_until": d.access_until.isoformat(),
                    "left": d.left,
                }
                for d in deadlines
            ],
        }
    )


async def api_sessions(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        sessions = await service.list_sessions(uow.session, principal.user)
    return JSONResponse({"sessions": [_session_json(s, principal.session.id) for s in sessions]})


async def api_revoke_session(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        await service.revoke_session(uow.session, principal.user, request.path_params["session_id"])
    return Response(status_code=204)


async def api_logout(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        principal.session.revoked_at = dt.datetime.now(dt.UTC)
    response = Response(status_code=204)
    clear_session_cookie(response, runtime(request).settings)
    return response


routes: list[BaseRoute] = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/forgot", forgot_page, methods=["GET"]),
    Route("/forgot", forgot_submit, methods=["POST"]),
    Route("/activate/{token}", set_password_page, methods=["GET"]),
    Route("/activate/{token}", set_password_submit, methods=["POST"]),
    Route("/reset/{token}", set_password_page, methods=["GET"]),
    Route("/reset/{token}", set_password_submit, methods=["POST"]),
    Route("/login/link/{token}", login_link, methods=["GET"]),
    Route("/lang/{code}", choose_language, methods=["GET"]),
    Route("/api/auth/token", api_create_token, methods=["POST"]),
    Route("/api/auth/logout", api_logout, methods=["POST"]),
    Route("/api/me", api_me, methods=["GET"]),
    Route("/api/sessions", api_sessions, methods=["GET"]),
    Route("/api/sessions/{session_id:int}", api_revoke_session, methods=["DELETE"]),
]
