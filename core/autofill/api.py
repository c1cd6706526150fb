"""The local prefill API for a browser extension: ``POST /v1/prefill`` on 127.0.0.1, bearer token required.

The page's field descriptors go in, proposals with their sources come out; nothing is
ever submitted. Requests without the token (kept in the keyring) are refused, only
loopback Host headers are accepted (no DNS rebinding), and CORS is off except for the
origins listed in ``autofill.api_allowed_origins``.
"""
from __future__ import annotations

import hmac
from typing import Any, Callable

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from pydantic import BaseModel, Field

from core.autofill.forms import fields_from_data
from core.errors import MnemoError

LOOPBACK_HOSTS = ["127.0.0.1", "localhost"]


class PrefillRequest(BaseModel):
    """The body of ``POST /v1/prefill``: the page's field descriptors (as ``mnemo fill`` reads JSON forms)."""

    fields: list[Any] = Field(..., max_length=500)
    overwrite: bool = False
    use_model: bool = True


def create_app(autofill: Any, token: str, allowed_origins: list[str] | None = None,
               use_model: Callable[[], bool] | None = None) -> FastAPI:
    """A FastAPI app serving ``autofill`` (an AutofillService) to holders of ``token``."""
    if not token:
        raise MnemoError("The prefill API needs a token.", "Run `mnemo api-token` to create one.")

    app = FastAPI(title="Mnemo prefill API", version="1", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=LOOPBACK_HOSTS)
    if allowed_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(allowed_origins), allow_methods=["POST"],
                           allow_headers=["Authorization", "Content-Type"], allow_credentials=False)

    @app.middleware("http")
    async def require_token(request: Request, call_next):  # every request but a CORS preflight
        if request.method != "OPTIONS":
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
                return JSONResponse({"detail": "A valid bearer token is required (see `mnemo api-token`)."},
                                    status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return await call_next(request)

    @app.post("/v1/prefill")
    def prefill(req: PrefillRequest) -> dict[str, Any]:
        try:
            fields = fields_from_data(req.fields)
        except MnemoError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        allowed_model = req.use_model and (use_model() if use_model else True)
        proposals = autofill.propose(fields, overwrite=req.overwrite, use_model=allowed_model)
        return {"proposals": [p.to_dict() for p in proposals]}

    return app
