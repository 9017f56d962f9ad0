"""The FastAPI application. Routers are thin: they call domain services.

Each domain adds its router in ``shebao/api/<domain>.py`` (exposing ``router``) and one line in
:data:`ROUTER_MODULES`.
"""

from __future__ import annotations

import importlib
import importlib.util

from fastapi import FastAPI, Request
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


def create_app(database_url: str | None = None) -> FastAPI:
    """Build the application for ``database_url`` (default: the settings')."""
    app = FastAPI(
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

    return app


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
