"""The local prefill API for a browser extension: ``POST /v1/prefill`` on 127.0.0.1, bearer token required.

The page's field descriptors go in, proposals with their sources come out; nothing is
ever submitted. Requests without the token (kept in the keyring) are refused, only
loopback Host headers are accepted (no DNS rebinding), and CORS is off except for the
origins listed in ``autofill.api_allowed_origins`` (never ``*`` or ``null``).

Bodies are capped at ``MAX_BODY_BYTES`` before they are read (the declared Content-Length
and the bytes actually streamed, for chunked requests), and every field is checked
against ``PrefillRequest`` (strict types, bounded lengths): bad input is answered with
422 and a readable ``detail``, never a 500.
"""
from __future__ import annotations

import email.message
import hmac
import json
import math
from typing import Annotated, Any, Callable

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from core.autofill.forms import fields_from_data
from core.errors import MnemoError

LOOPBACK_HOSTS = ["127.0.0.1", "localhost"]

MAX_BODY_BYTES = 1024 * 1024  # a form of 500 fields with long labels is well under 200 kB
MAX_FIELDS = 500
MAX_OPTIONS = 2000  # per field (country, time-zone and year lists stay far below)
MAX_LABEL_CHARS = 1000  # label, placeholder, aria-label
MAX_NAME_CHARS = 500  # name, id, html_name, html_id, autocomplete, option value/label
MAX_KIND_CHARS = 50
MAX_VALUE_CHARS = 100_000
MAX_FIELD_LENGTH = 10_000_000  # a field's own maxlength


# ----- the request -------------------------------------------------------------------

_Name = Annotated[str, StringConstraints(max_length=MAX_NAME_CHARS)]
_Label = Annotated[str, StringConstraints(max_length=MAX_LABEL_CHARS)]
_Kind = Annotated[str, StringConstraints(max_length=MAX_KIND_CHARS)]
_Value = Annotated[str, StringConstraints(max_length=MAX_VALUE_CHARS)]


def _no_maxlength(n: int | None) -> int | None:
    return None if n is not None and n < 0 else n  # the DOM's maxLength is -1 when there is none


_Length = Annotated[int, Field(ge=-1, le=MAX_FIELD_LENGTH), AfterValidator(_no_maxlength)]


class _Strict(BaseModel):
    # Unknown keys are ignored (an extension may send more than we read); known ones must have their type.
    model_config = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False)


class OptionIn(_Strict):
    """One choice of a select or radio group: ``{"value", "label"}``, or a plain string."""

    value: _Name | None = None
    label: _Name | None = None


def _option_from_text(v: Any) -> Any:
    return {"value": v, "label": v} if isinstance(v, str) else v


class FieldIn(_Strict):
    """One field descriptor, with the keys ``FormField.from_dict`` reads (a plain string is a label)."""

    name: _Name | None = None
    id: _Name | None = None
    html_name: _Name | None = None
    html_id: _Name | None = None
    kind: _Kind | None = None
    type: _Kind | None = None
    label: _Label | None = None
    placeholder: _Label | None = None
    aria_label: _Label | None = None
    aria_label_attr: _Label | None = Field(None, alias="aria-label")
    autocomplete: _Name | None = None
    options: list[Annotated[OptionIn, BeforeValidator(_option_from_text)]] | None = Field(None, max_length=MAX_OPTIONS)
    value: _Value | None = None
    required: bool | None = None
    max_length: _Length | None = None
    maxlength: _Length | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


def _field_from_text(v: Any) -> Any:
    return {"label": v} if isinstance(v, str) else v


class PrefillRequest(_Strict):
    """The body of ``POST /v1/prefill``: the page's field descriptors (as ``mnemo fill`` reads JSON forms)."""

    fields: list[Annotated[FieldIn, BeforeValidator(_field_from_text)]] = Field(..., max_length=MAX_FIELDS)
    overwrite: bool = False
    use_model: bool = True


# ----- parsing the body ----------------------------------------------------------------

MAX_NUMBER_DIGITS = 20


class _NotJSON(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJSON(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJSON(f"the number {text[:20]}{'…' if len(text) > 20 else ''} is too large")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _NotJSON(f"a number has more than {MAX_NUMBER_DIGITS} digits")
    return int(text)


def _json_error(reason: str, kind: str = "json_invalid") -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ("body",), "msg": reason, "ctx": {"error": reason}}])


def parse_prefill(body: bytes, content_type: str | None = None) -> PrefillRequest:
    """The request from a raw body, or ``RequestValidationError`` (a 422) saying what is wrong.

    Only finite numbers of at most ``MAX_NUMBER_DIGITS`` digits are read (no NaN, Infinity
    or 1e400), and no nesting deep enough to exhaust the parser.
    """
    if content_type:
        msg = email.message.Message()
        msg["content-type"] = content_type
        subtype = msg.get_content_subtype()
        if msg.get_content_maintype() != "application" or not (subtype == "json" or subtype.endswith("+json")):
            raise _json_error(f"the body must be JSON (Content-Type: application/json), not {msg.get_content_type()}",
                              "body_invalid")
    if not body.strip():
        raise _json_error('the body is empty; send {"fields": [...]}', "body_invalid")
    try:
        data = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_bounded_int)
    except _NotJSON as exc:
        raise _json_error(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise _json_error(f"{exc.msg} at character {exc.pos}") from None
    except UnicodeDecodeError:
        raise _json_error("it is not UTF-8 text") from None
    except RecursionError:
        raise _json_error("it is nested too deeply") from None
    except ValueError as exc:
        raise _json_error(str(exc).split(";")[0][:200]) from None
    try:
        return PrefillRequest.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors()]) from None


# ----- readable 422s -----------------------------------------------------------------

_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number",
               float: "a number", type(None): "null"}


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _problem(err: dict[str, Any]) -> tuple[str, str]:
    """Where (``fields[2].max_length``) and what, for one pydantic error; the input is never echoed."""
    kind = str(err.get("type", ""))
    loc = tuple(err.get("loc") or ())
    if loc and loc[0] == "body":
        loc = loc[1:]
    if kind == "body_invalid":
        return "body", str(err.get("msg") or "the body is not valid")
    if kind == "json_invalid":
        reason = (err.get("ctx") or {}).get("error", "")
        return "body", f"the body is not valid JSON: {reason}" if reason else "the body is not valid JSON"
    msg = str(err.get("msg") or "invalid value")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        msg = "Input should be an object" + (" or a string" if loc and isinstance(loc[-1], int) else "")
    if kind.endswith("_type") and "input" in err:
        got = err["input"]
        if isinstance(got, float):
            msg += ", not an infinite or NaN number" if not math.isfinite(got) else ", not a decimal number"
        elif type(got) in _JSON_TYPES:
            msg += f", not {_JSON_TYPES[type(got)]}"
    return _where(loc) or "body", msg


def validation_detail(errors: list[dict[str, Any]], limit: int = 5) -> str:
    """One readable sentence for pydantic's errors."""
    parts = [msg if e.get("type") in ("json_invalid", "body_invalid") else f"{where}: {msg}"
             for e, (where, msg) in ((e, _problem(e)) for e in errors[:limit])]
    more = len(errors) - limit
    text = "; ".join(parts) + (f"; and {more} more problem{'s' if more > 1 else ''}" if more > 0 else "")
    return f"Invalid request: {text}."


async def _request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    listed = [{"loc": where, "msg": msg, "type": str(e.get("type", ""))} for e, (where, msg) in
              ((e, _problem(e)) for e in errors[:20])]
    return JSONResponse({"detail": validation_detail(errors), "errors": listed}, status_code=422)


# ----- the body limit ----------------------------------------------------------------

class BodyLimit:
    """ASGI middleware: refuse bodies over ``max_bytes`` with 413 before more than that is read.

    A declared Content-Length over the limit is refused without reading anything; a body
    without one (chunked) is counted as it streams in and refused as soon as it passes
    the limit. The (at most ``max_bytes``) body read is then replayed to the app.
    """

    def __init__(self, app: Any, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, scope: Any, send: Any, status: int, detail: str) -> None:
        await JSONResponse({"detail": detail}, status_code=status, headers={"Connection": "close"})(
            scope, _no_receive, send)

    def _too_large(self) -> str:
        mib, kib = divmod(self.max_bytes, 1024 * 1024)
        size = f"{mib} MiB" if not kib else f"{self.max_bytes // 1024} KiB"
        return f"The request body is larger than {size}; send fewer or shorter fields."

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = [v for k, v in scope.get("headers", []) if k.lower() == b"content-length"]
        if declared:
            raw = declared[0].strip()
            if len(set(v.strip() for v in declared)) > 1 or not raw.isdigit():
                await self._refuse(scope, send, 400, "The Content-Length header is not a single whole number.")
                return
            if len(raw) > 18 or int(raw) > self.max_bytes:
                await self._refuse(scope, send, 413, self._too_large())
                return
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":  # answered all the same (to no one), as Starlette does
                await self._refuse(scope, send, 400, "The client went away before the body was complete.")
                return
            if message["type"] != "http.request":
                continue
            chunk = message.get("body", b"") or b""
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, send, 413, self._too_large())
                return
            parts.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        del parts
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _no_receive() -> dict[str, Any]:
    return {"type": "http.disconnect"}


# ----- the app -----------------------------------------------------------------------

def _refused_origin(origin: str) -> str | None:
    text = str(origin).strip().lower()
    if text == "*" or "*" in text:
        return f"{origin!r} would let any website call the prefill API"
    if text == "null":
        return "'null' is the origin of sandboxed frames and local files, which any page can claim"
    return None


def create_app(autofill: Any, token: str, allowed_origins: list[str] | None = None,
               use_model: Callable[[], bool] | None = None, max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    """A FastAPI app serving ``autofill`` (an AutofillService) to holders of ``token``."""
    if not token:
        raise MnemoError("The prefill API needs a token.", "Run `mnemo api-token` to create one.")
    for origin in allowed_origins or []:
        reason = _refused_origin(origin)
        if reason:
            raise MnemoError(f"The allowed origin {origin!r} is refused: {reason}.",
                             "List only the extension's own origin in autofill.api_allowed_origins "
                             "(e.g. chrome-extension://<id>).")

    app = FastAPI(title="Mnemo prefill API", version="1", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_exception_handler(RequestValidationError, _request_invalid)  # type: ignore[arg-type]
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)  # innermost: after the token, Host and CORS checks
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

    def answer(req: PrefillRequest) -> dict[str, Any]:
        try:
            fields = fields_from_data([f.as_dict() for f in req.fields])
        except MnemoError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        allowed_model = req.use_model and (use_model() if use_model else True)
        proposals = autofill.propose(fields, overwrite=req.overwrite, use_model=allowed_model)
        return {"proposals": [p.to_dict() for p in proposals]}

    @app.post("/v1/prefill")
    async def prefill(request: Request) -> dict[str, Any]:
        # The body is at most max_body_bytes here (BodyLimit); it is parsed by hand so that
        # NaN, 1e400, huge integers and deep nesting are a 422 too, not FastAPI's bare 400.
        req = parse_prefill(await request.body(), request.headers.get("content-type"))
        return await run_in_threadpool(answer, req)

    return app
