"""Server-rendered pages: the citizen portal at ``/`` and the staff workbench at ``/staff/``.

``shebao.api.app.create_app`` calls :func:`mount`. Pages call the same domain services as the JSON
API under ``/api/v1/``; the front-end libraries (htmx, ECharts) are installed from the npm registry
by ``npm ci`` into ``static/vendor/`` and served from here: no CDN at run time. The security
headers' CSP allows scripts from this origin only, so no page has an inline script.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError

from shebao.web import auth
from shebao.web.common import STATIC_DIR, VENDOR_FILES, render

log = logging.getLogger(__name__)

# Pages of the second wave's domains, one module each (a ``router`` of its own under ``/staff/`` or
# ``/``); each is mounted when its module exists, so that domains add pages without touching
# ``staff.py`` or each other.
PAGE_MODULES = (
    "shebao.web.linkage_view",
    "shebao.web.transfers_view",
    "shebao.web.injury_view",
    "shebao.web.bills_view",
    "shebao.web.intake_view",
    "shebao.web.fund_view",
    "shebao.web.outreach_view",
)


def mount(app: FastAPI) -> None:
    """Add the pages, the static files, the staff sessions and their error pages to ``app``."""
    from shebao.web import portal, staff

    missing = [name for name in VENDOR_FILES if not (STATIC_DIR / "vendor" / name).exists()]
    if missing:
        log.warning("前端库缺失（%s）：请在仓库根目录运行 npm ci；图表和局部刷新将不可用", "、".join(missing))
    auth.install(app)
    _local_docs(app)
    app.mount("/static", StaticFiles(directory=Path(STATIC_DIR)), name="static")
    app.include_router(portal.router)
    app.include_router(staff.router)
    import importlib
    import importlib.util

    for name in PAGE_MODULES:
        if importlib.util.find_spec(name) is not None:
            app.include_router(importlib.import_module(name).router)

    # A number too large for the database's integer columns (a fuzzer's favourite) is the client's
    # mistake: answer 422 with a message instead of letting the driver's error become a 500.
    @app.exception_handler(OverflowError)
    async def number_too_large(_request: Request, _exc: OverflowError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": "数值超出允许范围"})

    @app.exception_handler(DataError)
    async def data_error(_request: Request, _exc: DataError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": "数值或文本超出数据库允许的范围"})

    # Pages answer errors with a Chinese page in the site's layout; the API (/api, /openapi.json)
    # keeps FastAPI's JSON.
    from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if not _is_page(request):
            return await http_exception_handler(request, exc)
        title, message = HTTP_PAGES.get(exc.status_code, ("请求未能完成", "请返回上一页重试；如仍有问题，请拨打 12333 咨询。"))
        return _error_page(request, title, message, exc.status_code)

    api_validation_handler = app.exception_handlers.get(RequestValidationError, request_validation_exception_handler)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        if not _is_page(request):  # the API's own handler (422 naming each field, NaN shown as text)
            return await api_validation_handler(request, exc)
        return _error_page(request, "地址中的参数有误", "网址中的参数不符合要求，请从页面上的链接进入，不要手工修改网址。", 422)

    @app.exception_handler(auth.LoginRequired)
    async def login_required(_request: Request, exc: auth.LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/staff/login?next={exc.next_url}", status_code=303)

    @app.exception_handler(auth.Forbidden)
    async def forbidden(request: Request, exc: auth.Forbidden):
        return render(request, "error.html", {"title": "无权访问", "message": exc.message}, status_code=403)

    @app.exception_handler(auth.CsrfError)
    async def csrf_failed(request: Request, _exc: auth.CsrfError):
        return render(request, "error.html", {
            "title": "页面已过期",
            "message": "表单校验码无效或已过期（为防止跨站伪造请求）。请返回上一页，刷新后重新提交。",
        }, status_code=403)


HTTP_PAGES = {
    404: ("页面不存在", "您访问的页面不存在，可能是网址输错了，或页面已经移动。"),
    405: ("无法这样打开此页面", "此地址不能直接在浏览器中打开，请从页面上的按钮或链接进入。"),
    401: ("请先登录", "此页面须登录后查看。"),
    403: ("无权访问", "您的角色不能查看此页面。"),
}


def _is_page(request: Request) -> bool:
    """Whether the request is for a page (a person reading) rather than the JSON API."""
    path = request.url.path
    return not (path.startswith(("/api/", "/openapi.json", "/static/")) or path == "/api")


def _error_page(request: Request, title: str, message: str, status_code: int):
    """The error page in the portal's or the workbench's layout (the staff one when logged in)."""
    user = None
    if request.url.path.startswith("/staff"):
        try:
            from shebao.core.db import session_scope

            with session_scope(request.app.state.engine) as session:
                user = auth.current_staff(request, session)
                if user is not None:
                    session.expunge(user)
        except Exception:  # the error page must render even when the database does not answer
            user = None
    return render(request, "error.html", {"title": title, "message": message}, status_code=status_code, user=user)


def _local_docs(app: FastAPI) -> None:
    """Serve /docs with the Swagger UI installed by npm (FastAPI's default page loads it from a CDN)."""
    from fastapi.openapi.docs import get_swagger_ui_html

    if not (STATIC_DIR / "vendor" / "swagger-ui-bundle.js").exists() or app.docs_url is None:
        return
    docs_url = app.docs_url
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) != docs_url]

    @app.get(docs_url, include_in_schema=False)
    def swagger_ui():
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=app.title + " · 接口文档",
                                   swagger_js_url="/static/vendor/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.svg")
