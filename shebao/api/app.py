"""The FastAPI application. Routers are thin: they call domain services.

Each domain adds its router in ``shebao/api/<domain>.py`` (exposing ``router``) and one line in
:data:`ROUTER_MODULES`.
"""

from __future__ import annotations

import importlib
import importlib.util
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text

from shebao import __version__
from shebao.core.db import get_engine

ROUTER_MODULES = (
    "shebao.api.system",
    "shebao.api.policy",
    "shebao.api.assistant",
    "shebao.api.risk",
    "shebao.api.cases",
    "shebao.api.benefits",
    # the second wave: each registers when its module exists
    "shebao.api.linkage",
    "shebao.api.transfers",
    "shebao.api.injury",
    "shebao.api.bills",
    "shebao.api.intake",
    "shebao.api.fund",
    "shebao.api.outreach",
)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "script-src 'self'; frame-ancestors 'none'",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every HTTP response (a plain ASGI middleware).

    Starlette's ``@app.middleware("http")`` wraps every request in extra tasks and streams; this
    only edits the response-start message, so it costs nothing measurable per request.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Swagger UI's page (/docs) needs inline script; it ships with FastAPI's own assets.
        extra = [h for h in self.headers if scope["path"] != "/docs" or h[0] != b"content-security-policy"]

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in extra if h[0] not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class DeclaredBodyLimit:
    """Answers 413 to a request whose declared ``Content-Length`` is over the limit, at once: before
    the session cookie, routing, parsing or authentication, and without reading a byte of the body.

    A body that declares no length (chunked) or lies about it is counted as it streams by
    Starlette's ``RequestBodyLimitMiddleware`` (FastAPI's ``max_body_size``), which stops reading
    at the limit; this guard only saves the work of starting the request at all.
    """

    def __init__(self, app, max_bytes: int, route_limits: tuple = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # (path regex, limit) of the routes that declare their own larger limit (document uploads)
        self.route_limits = route_limits

    def _limit(self, scope) -> int:
        path = scope.get("path", "")
        for regex, limit in self.route_limits:
            if regex.match(path):
                return limit
        return self.max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            declared = None
            for name, value in scope.get("headers") or ():
                if name == b"content-length":
                    declared = value
                    break
            if declared is not None:
                try:
                    size = int(declared)
                except ValueError:
                    size = -1
                if size < 0 or (size > self.max_bytes and size > self._limit(scope)):
                    await self._refuse(send, 400 if size < 0 else 413, self._limit(scope))
                    return
        await self.app(scope, receive, send)

    async def _refuse(self, send, status: int, limit: int | None = None) -> None:
        import json

        limit = limit or self.max_bytes
        detail = ("Content-Length 无效" if status == 400
                  else f"请求体过大：上限 {limit} 字节（"
                       + ("SHEBAO_MAX_BODY_BYTES" if limit == self.max_bytes else "SHEBAO_INTAKE_MAX_REQUEST_BYTES")
                       + "）")
        body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def create_app(database_url: str | None = None) -> FastAPI:
    """Build the application for ``database_url`` (default: the settings')."""
    from shebao.core.settings import get_settings

    max_body = get_settings().max_body_bytes
    app = FastAPI(
        max_body_size=max_body,  # counted as the body streams; 413 past it
        title="shebao 社保智能经办平台 API",
        version=__version__,
        description="智导 · 智办 · 智审 · 智控：社会保险经办的开放 API。认证：`Authorization: Bearer <令牌>`。",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.engine = get_engine(database_url)
    from shebao.audit import start_checkpoint_timer

    start_checkpoint_timer()  # the last entries before a quiet spell get their checkpoint too

    app.add_middleware(SecurityHeaders)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        """422 naming each field; an input that JSON cannot carry (NaN, Infinity) is shown as text."""
        return JSONResponse(status_code=422, content={"detail": [_json_safe_error(e) for e in exc.errors()]})

    @app.exception_handler(ValueError)
    async def value_error(_request: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    for name in ROUTER_MODULES:
        if importlib.util.find_spec(name) is not None:
            app.include_router(importlib.import_module(name).router)

    web_spec = importlib.util.find_spec("shebao.web.routes")
    if web_spec is not None:
        importlib.import_module("shebao.web.routes").mount(app)
    else:
        @app.get("/", response_class=HTMLResponse, include_in_schema=False)
        def landing() -> str:
            return LANDING_PAGE

    # outermost of all, outside FastAPI's own stack: an oversized declared body is answered here
    build_stack = app.build_middleware_stack
    # a route that declares its own larger limit (FastAPI's per-route max_body_size) is let through here
    route_limits = tuple((re.compile(f"^{re.escape(prefix)}{route.path_regex.pattern.lstrip('^')}"), limit)
                         for prefix, route, limit in _declared_limits(app.routes) if limit > max_body)
    app.build_middleware_stack = lambda: DeclaredBodyLimit(build_stack(), max_body, route_limits)  # type: ignore[method-assign]
    return app


def _declared_limits(routes, prefix: str = ""):
    """(include prefix, route, limit) of every route declaring its own ``max_body_size``, routers included
    (FastAPI keeps an included router as one entry holding the original router's routes)."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            context = getattr(route, "include_context", None)
            yield from _declared_limits(original.routes, prefix + (getattr(context, "prefix", "") or ""))
        elif getattr(route, "max_body_size", None) and getattr(route, "path_regex", None) is not None:
            yield prefix, route, route.max_body_size


def _json_safe_error(error: dict) -> dict:
    import json

    from fastapi.encoders import jsonable_encoder

    out = {k: error[k] for k in ("type", "loc", "msg") if k in error}
    try:
        value = jsonable_encoder(error.get("input"))
        json.dumps(value, allow_nan=False)
        out["input"] = value
    except (ValueError, TypeError):
        out["input"] = repr(error.get("input"))
    return out


def check_database(app: FastAPI) -> bool:
    with app.state.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return True


LANDING_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>shebao 社保智能经办平台</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;
line-height:1.7;color:#1f2933}h1{color:#b3261e}li{margin:.3rem 0}code{background:#f1f3f5;padding:0 .3rem}</style>
</head><body>
<h1>shebao 社保智能经办平台</h1>
<p>开源的人工智能+社保经办系统，服务社会保险经办机构工作人员和参保群众。</p>
<ul>
<li><b>智导</b>：政策问答，引用法律条文原文；养老金测算、缴费档次比较、补缴收益测算。</li>
<li><b>智办</b>：待遇申领自动受理、自动决定；需要人工的案件进入复核队列。</li>
<li><b>智审</b>：规则即代码（按日期生效、按地区适用、注明法律依据），每个决定都可追溯。</li>
<li><b>智控</b>：对照死亡、服刑等共享数据筛查待遇领取人，红黄蓝风险分级。</li>
<li><b>数据与安全</b>：数据校验与去重、个人信息加密存储、防篡改审计日志、基于角色的访问控制。</li>
</ul>
<p>接口文档：<a href="/docs">/docs</a>（OpenAPI：<code>/openapi.json</code>）；健康检查：<code>/api/v1/health</code>。</p>
</body></html>"""
