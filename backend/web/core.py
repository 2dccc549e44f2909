"""Shared plumbing of the console pages: who is signed in, rendering, errors in
words, pagination, department names."""

from __future__ import annotations

import logging
import math
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import fastapi
from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from backend.api.errors import KNOWN_ERRORS, error_response
from backend.chain import ContractRevert, TxRejected
from backend.core import scopes
from backend.core.tokens import TokenInfo
from backend.services.caller import Caller, caller_of
from backend.services.errors import InvalidInput, ServiceError, TxPending
from backend.web import i18n, session

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
PER_PAGE = 20
_IDEM_RE = re.compile(r"^[A-Za-z0-9._:~-]{1,128}$")
_SAFE_NEXT = re.compile(r"^/(console(/[A-Za-z0-9/_.-]*)?)?(\?[A-Za-z0-9=&_.%+-]*)?$")

ROLE_HOME = {
    "department": "/console/workspace",
    "governor": "/console/council",
    "auditor": "/console/audit",
    "citizen": "/console/citizen",
}


# -- exceptions turned into pages by mount_web -------------------------------------------------------
class NeedSignIn(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class WrongRole(Exception):
    pass


class CsrfFailed(Exception):
    pass


# -- who is acting ----------------------------------------------------------------------------------
WebUser = Caller  # the signed-in console user (one caller type for api, web and services)


def ctx_of(request: Request):
    return request.app.state.ctx


def services_of(request: Request) -> Any:
    return ctx_of(request).services


def console_may_use(info: TokenInfo) -> bool:
    """A person's token, or a system client's token scoped '*': the console's pages are not mapped
    to API scopes, so a narrowly scoped client token opens none of them (fail closed)."""
    return info.kind == "officer" or info.role == "citizen" or scopes.ALL in info.scopes.split()


def current_user(request: Request) -> WebUser | None:
    if "web_user" in request.state._state:
        return request.state.web_user
    user = None
    s = session.read_session(request)
    if s is not None:
        info = ctx_of(request).tokens.authenticate(s.token)
        if info is not None and console_may_use(info):
            # the acting officer is the token's person, never a name typed at sign-in
            user = caller_of(info, display_name(request, info.role, info.principal, info.label))
    request.state.web_user = user
    return user


def need(*roles: str) -> Callable[[Request], WebUser]:
    def dep(request: Request) -> WebUser:
        user = current_user(request)
        if user is None:
            raise NeedSignIn(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        if roles and user.role not in roles:
            raise WrongRole()
        return user

    return dep


Dept = Annotated[WebUser, Depends(need("department"))]
ChainId = Annotated[int, fastapi.Path(ge=1, le=2**256 - 1)]  # resource, request, grant, unit … ids are uint256 on chain


def check_csrf(request: Request, csrf: str = Form("")) -> None:
    if not session.csrf_ok(request, csrf):
        raise CsrfFailed()


CSRF = Depends(check_csrf)


def safe_next(value: str | None, default: str = "/console") -> str:
    return value if value and _SAFE_NEXT.match(value) else default


def idem(value: str | None) -> str:
    """The form's Idempotency-Key (generated at render, so a double submit is one write)."""
    return value if value and _IDEM_RE.match(value) else "web-" + uuid.uuid4().hex


# -- language -----------------------------------------------------------------------------------------
def lang_of(request: Request) -> str:
    return i18n.normalise_lang(request.cookies.get(session.LANG_COOKIE))


# -- department names ----------------------------------------------------------------------------------
_NAMES_TTL = 30.0
_names_lock = threading.Lock()


def _name_table(request: Request) -> dict[str, str]:
    state = request.app.state
    cached = getattr(state, "_web_names", None)
    if cached and time.monotonic() - cached[0] < _NAMES_TTL:
        return cached[1]
    with _names_lock:
        table: dict[str, str] = {}
        ops = ctx_of(request).services.ops
        try:
            for addr in ops.contracts.consortium.departments():
                d = ops.contracts.consortium.department(addr)
                table[addr.lower()] = d.name or addr
            for i, addr in enumerate(ops.contracts.consortium.governors(), 1):
                table.setdefault(addr.lower(), f"@governor {i}")
            for i, addr in enumerate(ops.contracts.consortium.auditors(), 1):
                table.setdefault(addr.lower(), f"@auditor {i}")
            for cname, c in ctx_of(request).manifest.contracts.items():
                table.setdefault(c.address.lower(), f"@contract {cname}")
        except Exception as exc:  # names are decoration: never break a page over them
            log.warning("department names unavailable: %s", exc)
            return cached[1] if cached else {}
        state._web_names = (time.monotonic(), table)
        return table


_ROLE_WORDS = {"governor": ("理事", "Governor"), "auditor": ("审计员", "Auditor"), "contract": ("合约", "contract")}


def _localise(request: Request, name: str) -> str:
    if not name.startswith("@"):
        return name
    kind, _, rest = name[1:].partition(" ")
    zh, en = _ROLE_WORDS.get(kind, (kind, kind))
    return f"{zh if lang_of(request) == 'zh' else en} {rest}"


def name_of(request: Request, address: str | None) -> str:
    if not address:
        return "—"
    return _localise(request, _name_table(request).get(str(address).lower(), short(address)))


def display_name(request: Request, role: str, principal: str, label: str) -> str:
    if role == "citizen":  # the token label names the front desk, not the person: show the subject hash
        return i18n.t(lang_of(request), "me_subject", h=short(principal))
    found = _name_table(request).get(principal.lower())
    return _localise(request, found) if found else (label or short(principal))


def short(value: Any, n: int = 6) -> str:
    s = str(value)
    return s if len(s) <= 2 * n + 3 else f"{s[: n + 2]}…{s[-n:]}"


# -- errors in words ----------------------------------------------------------------------------------
def describe_error(request: Request, exc: BaseException) -> tuple[int, str]:
    """(http status, clerk-readable message) for anything a service can raise; the
    status comes from the API's table (backend.api.errors.error_response)."""
    lang = lang_of(request)
    answer = error_response(exc)
    if answer is None:
        log.exception("console: unexpected error", exc_info=exc)
        return 500, i18n.error_message(lang, "InternalError") + " (InternalError)"
    status, body, _headers = answer
    if isinstance(exc, TxPending):
        return status, i18n.t(lang, "pending_tx", tx=exc.tx_hash)
    if isinstance(exc, (ContractRevert, ServiceError, TxRejected)):
        names = lambda a: name_of(request, a)  # noqa: E731
        args = {"reason": exc.reason} if isinstance(exc, TxRejected) else body["args"]
        return status, i18n.error_message(lang, body["error"], args, names)
    return status, i18n.error_message(lang, body["error"])


# -- rendering -------------------------------------------------------------------------------------------
def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    lang = lang_of(request)
    user = current_user(request)
    base = {
        "request": request,
        "lang": lang,
        "t": lambda key, **kw: i18n.t(lang, key, **kw),
        "fmt_time": lambda ts: i18n.fmt_time(ts, lang),
        "name_of": lambda a: name_of(request, a),
        "short": short,
        "user": user,
        "csrf": session.csrf_token(request),
        "new_idem": lambda: "web-" + uuid.uuid4().hex,
        "now": int(time.time()),
        "path": request.url.path,
        "query": request.url.query,
    }
    # pop the flash before rendering (it must show once)
    tmp = Response()
    flash = session.pop_flash(request, tmp)
    base["flash"] = flash
    base.update(context or {})
    response = templates.TemplateResponse(request, template, base, status_code=status_code)
    if flash is not None:
        response.delete_cookie(session.FLASH_COOKIE, path="/")
    session.ensure_csrf_cookie(request, response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def error_page(request: Request, exc: BaseException) -> HTMLResponse:
    status, message = describe_error(request, exc)
    return render(
        request, "error.html", {"message": message, "status": status}, status_code=status if status >= 400 else 200
    )


def load(request: Request, template: str, loader: Callable[[], dict[str, Any]]) -> HTMLResponse:
    """Render ``template`` with ``loader()``; a service error becomes a page saying so in words."""
    try:
        data = loader()
    except KNOWN_ERRORS as exc:
        return error_page(request, exc)
    except Exception as exc:  # never a stack trace on a page
        return error_page(request, exc)
    return render(request, template, data)


def redirect(request: Request, url: str, kind: str | None = None, text: str | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if kind and text:
        session.set_flash(request, response, kind, text)
    return response


def act(request: Request, back: str, do: Callable[[], str | tuple[str, str]]) -> RedirectResponse:
    """Run a form's action; success and failure both come back to ``back`` as a message
    (unless ``do`` answers ``(message, where)``: success then goes to ``where``)."""
    try:
        done = do()
    except TxPending as exc:
        _, text = describe_error(request, exc)
        return redirect(request, back, "info", text)
    except Exception as exc:
        _, text = describe_error(request, exc)
        return redirect(request, back, "error", text)
    message, where = done if isinstance(done, tuple) else (done, back)
    return redirect(request, where, "ok", message)


@dataclass(frozen=True)
class Write:
    """A console form that writes: its request (CSRF already checked) and its Idempotency-Key."""

    request: Request
    key: str

    @property
    def services(self) -> Any:
        return ctx_of(self.request).services

    @property
    def lang(self) -> str:
        return lang_of(self.request)

    def act(self, back: str, do: Callable[[], str | tuple[str, str]]) -> RedirectResponse:
        return act(self.request, back, do)


def form_write(request: Request, _c: None = CSRF, idem_key: Annotated[str, Form(alias="idem")] = "") -> Write:
    return Write(request, idem(idem_key))


# A write form's parameter; declared after the role's user, so sign-in and role come before CSRF.
FormWrite = Annotated[Write, Depends(form_write)]


def required_text(value: str, field: str, message: str | None = None) -> str:
    """A form's required text, stripped; a blank one is refused in words."""
    if not value.strip():
        raise InvalidInput(message or f"{field} is required", field=field)
    return value.strip()


def data_subject(request: Request, value: str) -> bytes | None:
    """A form's optional ``id_type:id_value`` as the deployment's subject hash."""
    if not value.strip():
        return None
    id_type, sep, id_value = value.strip().partition(":")
    if not sep:
        raise InvalidInput("data subject must be id_type:id_value", field="subject")
    return ctx_of(request).services.ops.subject(id_type, id_value)


# -- pagination -------------------------------------------------------------------------------------------
@dataclass
class Pager:
    page: int
    per_page: int
    total: int
    param: str
    base_query: dict[str, Any]
    path: str

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def url(self, page: int) -> str:
        q = {k: v for k, v in self.base_query.items() if v not in (None, "")}
        q[self.param] = page
        return f"{self.path}?{urlencode(q)}"

    @property
    def prev_url(self) -> str | None:
        return self.url(self.page - 1) if self.page > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.page + 1) if self.page < self.pages else None


def page_number(value: Any) -> int:
    try:
        return max(1, min(int(value), 10**6))
    except (TypeError, ValueError):
        return 1


def pager(request: Request, param: str, total: int, per_page: int = PER_PAGE) -> Pager:
    p = page_number(request.query_params.get(param))
    pg = Pager(p, per_page, total, param, dict(request.query_params), request.url.path)
    if pg.page > pg.pages:
        pg.page = pg.pages
    return pg


def listing(
    request: Request, param: str, fetch: Callable[[int, int], dict[str, Any]], per_page: int = PER_PAGE
) -> tuple[list[Any], Pager]:
    """Call a service list(offset, limit) for the page named by query ``param``."""
    p = page_number(request.query_params.get(param))
    result = fetch((p - 1) * per_page, per_page)
    pg = Pager(p, per_page, int(result.get("total", 0)), param, dict(request.query_params), request.url.path)
    return result.get("items", []), pg


def lists_page(
    request: Request,
    template: str,
    tab: str,
    *lists: tuple[str, str, str, Callable[[int, int], dict[str, Any]]],
    **extra: Any,
) -> HTMLResponse:
    """A page of paged lists, each ``(items name, pager name, page query parameter, fetch(offset, limit))``,
    and the ``extra`` values the template needs."""

    def loader() -> dict[str, Any]:
        data: dict[str, Any] = {**extra, "tab": tab}
        for items_name, pager_name, param, fetch in lists:
            data[items_name], data[pager_name] = listing(request, param, fetch)
        return data

    return load(request, template, loader)
