"""The chat model on a server that speaks the OpenAI API (llama.cpp's llama-server, llama-cpp-python's server,
Ollama, LM Studio, vLLM), behind the same ``ChatModel`` port as the embedded ``LlamaRuntime``.

Chat streams over server-sent events from ``/v1/chat/completions``; constrained JSON uses the
server's JSON-schema ``response_format``; tokens come from the server's tokenize endpoints.
Requests run one at a time on one thread, as with the embedded model (llama-cpp-python's
server interrupts a streaming answer when another request arrives). Every failure of the
server (refused connection, timeout, a wrong API key, an HTTP error, a connection cut in
the middle of an answer) is a ``ModelServerError`` that names the server and says what to
do; nothing is kept from a failed request, so the next one works as soon as the server is back.
A remote model has no local llama.cpp object: ``call`` refuses, and the memory decoder and
perplexity need the embedded backend.
"""
from __future__ import annotations

import json
import logging
import queue
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Callable, Iterator, Sequence

import httpx

from models.errors import LLMError
from models.llm import ModelInfo, Sampling

log = logging.getLogger(__name__)

ChatMessage = dict[str, str]

LLAMA_CPP = "llama.cpp server"            # llama-server: /props, /tokenize, /detokenize
LLAMA_CPP_PYTHON = "llama-cpp-python server"  # python -m llama_cpp.server: /extras/tokenize, /extras/detokenize
OTHER = "OpenAI-compatible server"

_CTX_PROBE = " 1" * 150_000   # a prompt longer than any context: llama-cpp-python's server names its size in the refusal


class ModelServerError(LLMError):
    """The model server is unreachable, refused the request, or failed while answering."""


@dataclass
class OpenAIConfig:
    """Where the server is (mirrors ``model.base_url`` and ``model.server_model``; the key comes from the keyring)."""

    base_url: str
    api_key: str | None = None
    key_source: Callable[[], str | None] | None = field(default=None, repr=False)  # read at each request (keyring)
    model: str = ""                    # empty = the first model the server lists
    fallback_n_ctx: int = 4096         # the context size when the server does not say (``model.n_ctx``)
    connect_timeout: float = 5.0
    read_timeout: float = 300.0        # a long prompt on a slow server takes a while before its first token

    def key(self) -> str | None:
        """The API key now: a key changed in the keyring counts from the next request on."""
        return self.key_source() if self.key_source is not None else self.api_key

    @property
    def api_root(self) -> str:
        """``…/v1``, whether the user wrote it or not."""
        url = self.base_url.strip().rstrip("/")
        return url if url.endswith("/v1") else url + "/v1"

    @property
    def server_root(self) -> str:
        return self.api_root[: -len("/v1")]


_WHAT_TO_DO = ("Start the server or fix its address (Settings → Chat model, or 'mnemo settings set model.base_url URL'); "
               "the next message works as soon as it answers.")


class OpenAIChatModel:
    """A chat model served over HTTP by an OpenAI-compatible server."""

    def __init__(self, config: OpenAIConfig) -> None:
        if not config.base_url.strip():
            raise ModelServerError("model.backend is 'openai' but no server address is set.",
                                   "Set it with 'mnemo settings set model.base_url http://HOST:PORT/v1' "
                                   "or switch back with 'mnemo settings set model.backend embedded'.")
        if not config.base_url.strip().lower().startswith(("http://", "https://")):
            raise ModelServerError(f"The model server address '{config.base_url}' is not an http:// or https:// URL.",
                                   "Set model.base_url to e.g. http://127.0.0.1:8080/v1.")
        self.config = config
        self._http = httpx.Client(auth=self._auth, timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout))
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model-server")
        self._info: ModelInfo | None = None
        self._model_id = ""
        self.flavour = ""
        self._closed = False

    def _auth(self, request: httpx.Request) -> httpx.Request:
        key = self.config.key()
        if key:
            request.headers["Authorization"] = f"Bearer {key}"
        return request

    # ---- errors ---------------------------------------------------------------------------
    @property
    def server(self) -> str:
        return self.config.api_root

    def _failure(self, exc: Exception, doing: str) -> ModelServerError:
        """What went wrong with the server, in words, with what to do."""
        where = f"the model server at {self.server}"
        if isinstance(exc, ModelServerError):
            return exc
        if isinstance(exc, httpx.ConnectError):
            return ModelServerError(f"Could not connect to {where} while {doing} ({exc}): it is not running or "
                                    "not reachable.", _WHAT_TO_DO)
        if isinstance(exc, httpx.TimeoutException):
            return ModelServerError(f"{where.capitalize()} did not answer in time while {doing} "
                                    f"({type(exc).__name__}).", "Check that it is running and not overloaded, then send again.")
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
            return ModelServerError(f"{where.capitalize()} closed the connection while {doing} ({exc}): it may have "
                                    "stopped or crashed.", "Check the server (restart it if needed), then send again.")
        if isinstance(exc, httpx.HTTPError):
            return ModelServerError(f"Talking to {where} failed while {doing}: {exc}.", _WHAT_TO_DO)
        return ModelServerError(f"{where.capitalize()} gave an answer Mnemo cannot read while {doing} ({exc}).",
                                "Check that model.base_url points to an OpenAI-compatible API.")

    def _http_error(self, r: httpx.Response, doing: str) -> ModelServerError:
        try:
            r.read()
            body = r.json()
            err = body.get("error", body.get("detail", body)) if isinstance(body, dict) else body
            detail = str(err.get("message", err) if isinstance(err, dict) else err)
        except Exception:   # not JSON, or the connection broke while reading the error
            try:
                detail = r.text
            except Exception:
                detail = ""
        detail = detail.strip()[:300]
        where = f"The model server at {self.server}"
        if r.status_code in (401, 403):
            what = "refused the API key" if self.config.key() else "has no API key set"
            return ModelServerError(f"{where} {what} (HTTP {r.status_code}{': ' + detail if detail else ''}).",
                                    "Set the server's key with 'mnemo settings set-secret model.api_key' "
                                    "(or Settings → Chat model → API key), then send again.")
        if r.status_code == 404:
            return ModelServerError(f"{where} has no {r.request.url.path} (HTTP 404).",
                                    "Check model.base_url: it should end in /v1 of an OpenAI-compatible server"
                                    + (f", and model.server_model '{self.config.model}' must be one it serves." if self.config.model else "."))
        if r.status_code >= 500:
            return ModelServerError(f"{where} failed while {doing} (HTTP {r.status_code}{': ' + detail if detail else ''}).",
                                    "Look at the server's log; send again once it is fixed.")
        return ModelServerError(f"{where} refused the request while {doing} (HTTP {r.status_code}"
                                f"{': ' + detail if detail else ''}).", "Check the model settings and the server's log.")

    def _request(self, method: str, url: str, doing: str, **kwargs: Any) -> Any:
        """One request, its JSON answer; every failure a ``ModelServerError``."""
        try:
            r = self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise self._failure(exc, doing) from exc
        if r.status_code >= 400:
            raise self._http_error(r, doing)
        try:
            return r.json()
        except ValueError as exc:
            raise self._failure(exc, doing) from exc

    def _on_thread(self, fn: Callable[[], Any]) -> Any:
        if self._closed:
            raise LLMError("The model runtime is closed.")
        return self._executor.submit(fn).result()

    # ---- what the server runs ---------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        """True once the server has answered and said what it runs."""
        return self._info is not None

    def load(self) -> ModelInfo:
        """Ask the server what it runs (once; a failure is retried at the next call)."""
        return self._on_thread(self._ensure_info)

    @property
    def info(self) -> ModelInfo:
        return self._info if self._info is not None else self.load()

    def ping(self) -> float:
        """Seconds of one round trip to the server (``GET /v1/models``)."""
        def work() -> float:
            t0 = time.perf_counter()
            self._request("GET", f"{self.config.api_root}/models", "listing its models")
            return time.perf_counter() - t0
        return self._on_thread(work)

    def _ensure_info(self) -> ModelInfo:
        if self._info is not None:
            return self._info
        listed = self._request("GET", f"{self.config.api_root}/models", "listing its models")
        models = [m for m in (listed.get("data") or []) if isinstance(m, dict) and m.get("id")]
        if not models:
            raise ModelServerError(f"The model server at {self.server} lists no model.", "Load a model on the server.")
        ids = [str(m["id"]) for m in models]
        if self.config.model and self.config.model not in ids:
            raise ModelServerError(f"The model server at {self.server} does not serve '{self.config.model}' "
                                   f"(it serves: {', '.join(ids[:10])}).",
                                   "Set model.server_model to one of those, or empty for the first.")
        entry = models[ids.index(self.config.model)] if self.config.model else models[0]
        self._model_id = str(entry["id"])
        self.flavour, props = self._flavour()
        n_ctx, source = self._context_size(entry, props)
        name = PurePosixPath(self._model_id).name
        name = name[: -len(".gguf")] if name.endswith(".gguf") else name
        self._info = ModelInfo(
            path=self.server, name=name, architecture=f"remote ({self.flavour})", n_vocab=0, n_ctx=n_ctx,
            n_layers=0, gpu_offload_supported=False, n_gpu_layers_requested=0, layers_offloaded=0,
            tokenizer="", chat_template=True,
            metadata={"backend": "openai", "server": self.server, "server_model": self._model_id,
                      "flavour": self.flavour, "n_ctx_source": source})
        log.info("model server %s: %s (%s), context %d (%s)", self.server, self._model_id, self.flavour, n_ctx, source)
        return self._info

    def _flavour(self) -> tuple[str, dict[str, Any]]:
        """Which server this is (it decides the tokenize endpoints, the JSON format and how to learn the context)."""
        try:
            r = self._http.get(f"{self.config.server_root}/props")
            if r.status_code == 200 and isinstance(r.json(), dict):
                return LLAMA_CPP, r.json()
            r = self._http.post(f"{self.config.server_root}/extras/tokenize", json={"input": "a"})
            if r.status_code == 200 and "tokens" in r.json():
                return LLAMA_CPP_PYTHON, {}
        except (httpx.HTTPError, ValueError) as exc:
            raise self._failure(exc, "asking what it runs") from exc
        return OTHER, {}

    def _context_size(self, entry: dict[str, Any], props: dict[str, Any]) -> tuple[int, str]:
        """The server's context size in tokens, and where it was read."""
        gen = props.get("default_generation_settings") or {}
        for value, source in ((gen.get("n_ctx"), "/props"), (props.get("n_ctx"), "/props"),
                              (entry.get("max_model_len"), "/v1/models max_model_len"),
                              ((entry.get("meta") or {}).get("n_ctx"), "/v1/models meta"),
                              (entry.get("context_length"), "/v1/models context_length"),
                              ((entry.get("meta") or {}).get("n_ctx_train"), "/v1/models meta n_ctx_train")):
            if isinstance(value, int) and value > 0:
                return value, source
        if self.flavour == LLAMA_CPP_PYTHON:   # no endpoint says it; a prompt longer than any context is refused with it
            import re

            try:
                r = self._http.post(f"{self.config.api_root}/completions", timeout=60.0,
                                    json={"model": self._model_id, "prompt": _CTX_PROBE, "max_tokens": 1})
                m = re.search(r"maximum context length is (\d+)", r.text)
                if m:
                    return int(m.group(1)), "the server's refusal of an over-long prompt"
            except httpx.HTTPError as exc:
                log.warning("model server %s: the context size could not be read (%s)", self.server, exc)
        return self.config.fallback_n_ctx, "model.n_ctx (the server does not say)"

    # ---- generation ------------------------------------------------------------------------
    def _body(self, messages: Sequence[ChatMessage], sampling: Sampling) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self._model_id, "messages": list(messages),
                                "temperature": sampling.temperature, "top_p": sampling.top_p,
                                "max_tokens": sampling.max_tokens}
        if self.flavour in (LLAMA_CPP, LLAMA_CPP_PYTHON):   # llama.cpp's samplers; other servers may refuse them
            body.update(top_k=sampling.top_k, repeat_penalty=sampling.repeat_penalty)
        if sampling.seed is not None:
            body["seed"] = sampling.seed
        return body

    def stream_chat(self, messages: Sequence[ChatMessage], sampling: Sampling | None = None,
                    cancel: Any = None, logits_processor: Any = None,
                    on_done: Callable[[dict[str, Any]], None] | None = None) -> Iterator[str]:
        """Yield the answer's text pieces as the server streams them.

        ``cancel`` (anything with ``cancelled``) closes the stream at the next piece, which stops the
        server's generation. A ``logits_processor`` cannot run on a server: it is refused.
        """
        if logits_processor is not None:
            raise ModelServerError("A logits processor (the memory decoder) cannot run on a model server.",
                                   "Use the embedded backend for the memory decoder (model.backend = embedded).")
        sampling = sampling or Sampling()
        q: queue.Queue = queue.Queue()
        sentinel = object()

        def work() -> None:
            n = 0
            t0 = time.perf_counter()
            finish = "stop"
            try:
                self._ensure_info()
                body = {**self._body(messages, sampling), "stream": True}
                with self._http.stream("POST", f"{self.config.api_root}/chat/completions", json=body) as r:
                    if r.status_code >= 400:
                        raise self._http_error(r, "answering")
                    done = False
                    for line in r.iter_lines():
                        if cancel is not None and getattr(cancel, "cancelled", False):
                            finish = "cancelled"
                            done = True
                            break
                        if not line.startswith("data:"):
                            continue
                        data = line[5:].strip()
                        if data == "[DONE]":
                            done = True
                            break
                        chunk = json.loads(data)
                        if "error" in chunk:
                            err = chunk["error"]
                            raise ModelServerError(f"The model server at {self.server} failed while answering: "
                                                   f"{err.get('message', err) if isinstance(err, dict) else err}",
                                                   "Look at the server's log; send again once it is fixed.")
                        for choice in chunk.get("choices") or []:
                            piece = (choice.get("delta") or {}).get("content")
                            if piece:
                                n += 1
                                q.put(piece)
                            if choice.get("finish_reason"):
                                finish = choice["finish_reason"]
                    if not done:
                        raise ModelServerError(f"The model server at {self.server} ended the answer before its end "
                                               f"({n} pieces): it may have stopped or crashed.",
                                               "Check the server (restart it if needed), then send again.")
                if on_done is not None:
                    on_done({"pieces": n, "seconds": time.perf_counter() - t0, "finish_reason": finish,
                             "backend": "openai", "server": self.server})
            except BaseException as exc:  # handed to the consumer's thread
                q.put(exc)
            finally:
                q.put(sentinel)

        if self._closed:
            raise LLMError("The model runtime is closed.")
        self._executor.submit(work)
        while True:
            item = q.get()
            if item is sentinel:
                break
            if isinstance(item, BaseException):
                if isinstance(item, LLMError):
                    raise item
                raise self._failure(item if isinstance(item, Exception) else Exception(str(item)), "answering") from item
            yield item

    def chat(self, messages: Sequence[ChatMessage], sampling: Sampling | None = None, cancel: Any = None) -> str:
        """The whole answer as one string."""
        return "".join(self.stream_chat(messages, sampling, cancel))

    def complete_json(self, messages: Sequence[ChatMessage], schema: dict[str, Any],
                      sampling: Sampling | None = None) -> Any:
        """A chat completion constrained to ``schema`` by the server; returns the parsed JSON."""
        sampling = sampling or Sampling(temperature=0.0, max_tokens=512)

        def work() -> str:
            self._ensure_info()
            body = self._body(messages, sampling)
            if self.flavour == LLAMA_CPP_PYTHON:   # it accepts only "json_object", with the schema beside it
                body["response_format"] = {"type": "json_object", "schema": schema}
            else:   # the OpenAI form; llama-server, vLLM, LM Studio and Ollama read it
                body["response_format"] = {"type": "json_schema",
                                           "json_schema": {"name": "answer", "schema": schema, "strict": True}}
            out = self._request("POST", f"{self.config.api_root}/chat/completions", "answering in JSON", json=body)
            try:
                return out["choices"][0]["message"]["content"] or ""
            except (KeyError, IndexError, TypeError) as exc:
                raise self._failure(exc, "answering in JSON") from exc

        text = self._on_thread(work)
        try:
            return json.loads(text, strict=False)
        except json.JSONDecodeError as exc:
            raise LLMError(f"The model's JSON answer was cut off or invalid ({exc}); raise max_tokens or retry.") from exc

    # ---- tokens ----------------------------------------------------------------------------
    def _no_tokenizer(self) -> ModelServerError:
        return ModelServerError(f"The model server at {self.server} ({self.flavour}) has no tokenize endpoint.",
                                "Counting tokens needs llama.cpp's llama-server, llama-cpp-python's server, "
                                "or the embedded backend.")

    def tokenize(self, text: str, add_bos: bool = True, special: bool = False) -> list[int]:
        """The server's tokens of ``text``. llama-cpp-python's server always parses special tokens and adds
        what its model adds; llama-server follows ``add_bos`` and ``special``."""
        def work() -> list[int]:
            self._ensure_info()
            if self.flavour == LLAMA_CPP:
                out = self._request("POST", f"{self.config.server_root}/tokenize", "counting tokens",
                                    json={"content": text, "add_special": add_bos, "parse_special": special})
            elif self.flavour == LLAMA_CPP_PYTHON:
                out = self._request("POST", f"{self.config.server_root}/extras/tokenize", "counting tokens",
                                    json={"input": text, "model": self._model_id})
            else:
                raise self._no_tokenizer()
            return [int(t) for t in out["tokens"]]
        return self._on_thread(work)

    def detokenize(self, tokens: Sequence[int]) -> str:
        def work() -> str:
            self._ensure_info()
            if self.flavour == LLAMA_CPP:
                out = self._request("POST", f"{self.config.server_root}/detokenize", "reading tokens",
                                    json={"tokens": list(tokens)})
                return str(out["content"])
            if self.flavour == LLAMA_CPP_PYTHON:
                out = self._request("POST", f"{self.config.server_root}/extras/detokenize", "reading tokens",
                                    json={"tokens": list(tokens), "model": self._model_id})
                return str(out["text"])
            raise self._no_tokenizer()
        return self._on_thread(work)

    # ---- what a server cannot do -------------------------------------------------------------
    def call(self, fn: Callable[[Any], Any]) -> Any:
        raise ModelServerError(
            f"This needs the model's own llama.cpp instance (hidden states, full next-token probabilities), and the "
            f"chat model runs on the server {self.server}.",
            "The memory decoder and perplexity need the embedded backend: 'mnemo settings set model.backend embedded'.")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._executor.shutdown(wait=True)
        self._http.close()
