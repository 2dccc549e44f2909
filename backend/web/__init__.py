"""The web console: server-rendered pages for departments, council, auditors,
citizens and the public, served by the same FastAPI app as the JSON API.

``router`` holds every page (under ``/`` and ``/console/...``); ``mount_web(app)``
includes it, serves ``/console/static`` and turns the console's own
exceptions (not signed in, wrong role, CSRF) and any error on a ``/console``
path into HTML pages. Call it after the API's error handlers are installed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.web import auditor, auth, citizen, citizen_signin, council, department, i18n, officers, public, registry
from backend.web.core import CsrfFailed, NeedSignIn, WrongRole, lang_of, render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
for _module in (auth, department, registry, council, auditor, officers, citizen_signin, citizen, public):
    router.include_router(_module.router, include_in_schema=False)

STATIC_DIR = Path(__file__).parent / "static"


def _is_console(request: Request) -> bool:
    return request.url.path == "/" or request.url.path.startswith("/console")


def _only_path_errors(exc: Exception) -> bool:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return bool(errors) and all(tuple(e.get("loc") or ())[:1] == ("path",) for e in errors)


def mount_web(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=str(STATIC_DIR)), name="console-static")

    # (Starlette types handlers for any Exception; each is registered for its own class only)
    async def need_signin(request: Request, exc: Exception) -> Response:
        from urllib.parse import quote

        if not isinstance(exc, NeedSignIn):  # pragma: no cover - registered for NeedSignIn only
            raise exc

        return RedirectResponse(f"/console/login?next={quote(exc.next_url, safe='/')}", status_code=303)

    async def wrong_role(request: Request, exc: Exception) -> Response:
        return render(
            request, "error.html", {"message": i18n.t(lang_of(request), "wrong_role"), "status": 403}, status_code=403
        )

    async def csrf_failed(request: Request, exc: Exception) -> Response:
        return render(
            request, "error.html", {"message": i18n.t(lang_of(request), "csrf_failed"), "status": 403}, status_code=403
        )

    app.add_exception_handler(NeedSignIn, need_signin)
    app.add_exception_handler(WrongRole, wrong_role)
    app.add_exception_handler(CsrfFailed, csrf_failed)

    # On console paths, the API's JSON error bodies become pages; elsewhere they stay as they are.
    for exc_class, status, key in (
        (RequestValidationError, 422, "ValidationError"),
        (StarletteHTTPException, None, None),
        (Exception, 500, "InternalError"),
    ):
        original = app.exception_handlers.get(exc_class)

        def make(original=original, status=status, key=key, exc_class=exc_class):
            async def handler(request: Request, exc: Exception):
                if _is_console(request):
                    code = status or getattr(exc, "status_code", 500)
                    name = key
                    if exc_class is RequestValidationError and _only_path_errors(exc):
                        code, name = 404, "NotFound"  # an id out of range (-1, 2**256 …) names nothing
                    if exc_class is Exception:
                        log.exception("console page failed", exc_info=exc)
                    name = name or {404: "NotFound", 405: "MethodNotAllowed"}.get(code, "BadRequest")
                    message = i18n.error_message(lang_of(request), name, {"reason": request.url.path})
                    return render(request, "error.html", {"message": message, "status": code}, status_code=code)
                if original is not None:
                    result = original(request, exc)
                    if hasattr(result, "__await__"):
                        result = await result
                    return result
                raise exc

            return handler

        app.add_exception_handler(exc_class, make())


__all__ = ["mount_web", "router"]
