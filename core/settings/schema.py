"""The one settings schema: sections with titles, descriptions, bounds and the rule for allowed origins.

The settings pane, ``mnemo settings`` and the store are rendered from it; nothing else defines a
knob. Sections are dataclasses checked on construction and on every assignment, unknown fields
refused (``core/settings/fields.py`` says why not pydantic: it cost every ``mnemo search`` 0.2 s).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from core.settings.fields import Section, setting

SCHEMA_VERSION = 1


@dataclass(kw_only=True)
class ModelSettings(Section):
    """Which chat model runs: a local GGUF through llama.cpp, or a model on an OpenAI-compatible server."""

    backend: Literal["embedded", "openai"] = setting("embedded", title="Chat model runs", description="embedded = a local GGUF in this process; openai = a server that speaks the OpenAI API (llama.cpp's llama-server, Ollama, LM Studio, vLLM).")
    base_url: str = setting("", title="Server address", description="Base URL of the OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 (backend openai). Its API key is kept in the keyring: mnemo settings set-secret model.api_key.")
    server_model: str = setting("", title="Server model", description="Model name sent to the server (backend openai). Empty = the first model the server lists.")
    path: str = setting("", title="Chat model file", description="Path to a GGUF model. Empty = the embedded SmolLM2-135M-Instruct.")
    n_gpu_layers: int = setting(-1, ge=-1, le=1000, title="GPU layers", description="Layers offloaded to the GPU (-1 = all, 0 = CPU only). Ignored by CPU-only builds.")
    n_ctx: int = setting(4096, ge=512, le=131072, title="Context length", description="Tokens of context the model keeps.")
    n_threads: int = setting(0, ge=0, le=256, title="CPU threads", description="Threads for generation (0 = all cores).")
    n_batch: int = setting(512, ge=16, le=8192, title="Batch size", description="Prompt tokens evaluated per batch.")
    flash_attn: bool = setting(False, title="Flash attention", description="Use flash attention where the build supports it.")
    seed: int = setting(-1, ge=-1, le=2**31 - 1, title="Seed", description="Sampling seed (-1 = random).")
    embedder_path: str = setting("", title="Embedding model", description="A sentence-transformers model folder. Empty = the embedded all-MiniLM-L6-v2.")
    embedder_device: Literal["auto", "cpu", "cuda"] = setting("cpu", title="Embedder device", description="Where embeddings are computed.")


@dataclass(kw_only=True)
class GenerationSettings(Section):
    """How answers are sampled."""

    temperature: float = setting(0.7, ge=0.0, le=2.0, title="Temperature", description="Higher is more varied, 0 is greedy.")
    top_p: float = setting(0.9, ge=0.0, le=1.0, title="Top-p", description="Nucleus sampling mass.")
    top_k: int = setting(40, ge=0, le=1000, title="Top-k", description="Sample among this many likeliest tokens (0 = all).")
    repeat_penalty: float = setting(1.1, ge=1.0, le=2.0, title="Repeat penalty", description="Penalty on repeated tokens.")
    max_tokens: int = setting(512, ge=1, le=8192, title="Maximum answer length", description="Tokens per answer at most.")
    system_prompt: str = setting(
        "You are Mnemo, a private assistant that runs on the user's own computer and remembers them. Answer helpfully and concisely.",
        title="System prompt", description="The assistant's standing instructions; the profile and memories are added after it.")


@dataclass(kw_only=True)
class RetrievalSettings(Section):
    """How memories and passages are found for an answer (RMM retrospective reflection)."""

    top_k: int = setting(20, ge=1, le=200, title="Candidates (K)", description="Memories and passages retrieved before reranking.")
    top_m: int = setting(5, ge=1, le=50, title="Shown to the model (M)", description="Memories shown to the model after reranking.")
    gumbel_tau: float = setting(0.5, ge=0.01, le=10.0, title="Gumbel temperature", description="Sampling temperature of the top-M selection (lower = closer to greedy).")
    rrf_k: int = setting(60, ge=1, le=1000, title="RRF constant", description="Reciprocal-rank-fusion constant for hybrid search.")
    learn_from_citations: bool = setting(True, title="Learn from citations", description="Update the reranker from what the model cites.")
    reranker_lr: float = setting(1e-3, ge=1e-6, le=1.0, title="Reranker learning rate", description="REINFORCE step size.")
    reinforce_baseline: float = setting(0.5, ge=-1.0, le=1.0, title="REINFORCE baseline", description="Subtracted from the citation reward.")
    chunk_chars: int = setting(1200, ge=200, le=20000, title="Chunk size", description="Characters per imported chunk.")
    chunk_overlap: int = setting(150, ge=0, le=5000, title="Chunk overlap", description="Characters shared by consecutive chunks.")


@dataclass(kw_only=True)
class ReflectionSettings(Section):
    """When and how conversations become memories (RMM prospective reflection)."""

    enabled: bool = setting(True, title="Reflect on conversations", description="Extract memories from conversations when they go idle or end.")
    idle_minutes: float = setting(5.0, ge=0.1, le=1440.0, title="Idle time", description="Minutes without a message after which a conversation is reflected on.")
    merge_candidates: int = setting(5, ge=1, le=50, title="Merge candidates", description="Nearest stored memories compared with each new one (ADD or MERGE).")


@dataclass(kw_only=True)
class DecoderSettings(Section):
    """The memory decoder (parametric memory) and its kNN-LM teacher."""

    enabled: bool = setting(False, title="Use the memory decoder", description="Mix the trained decoder into every answer.")
    alpha: float = setting(0.2, ge=0.0, le=1.0, title="Mixing weight (α)", description="p = α·p_mem + (1−α)·p_base. The paper uses about 0.6; Mnemo's small CPU decoder measured best at 0.2.")
    knn_k: int = setting(256, ge=1, le=1024, title="Neighbours (k)", description="Nearest datastore keys behind each kNN target.")
    knn_tau_scale: float = setting(0.3, ge=0.001, le=100.0, title="kNN temperature", description="τ as a multiple of the median nearest-neighbour distance.")
    beta: float = setting(0.5, ge=0.0, le=1.0, title="KL weight (β)", description="Loss = β·KL(p_kNN‖p_mem) + (1−β)·CE.")
    epochs: int = setting(30, ge=1, le=1000, title="Training epochs", description="Passes over the datastore at most; training keeps the epoch with the best held-out perplexity and stops when it no longer improves.")
    max_train_minutes: float = setting(8.0, ge=0.0, le=10_000.0, title="Training time limit (minutes)", description="Training plans only the epochs that fit in this time (measured on the first epoch); 0 = no limit.")
    learning_rate: float = setting(1e-3, ge=1e-6, le=1.0, title="Learning rate", description="AdamW step size.")
    window: int = setting(256, ge=16, le=8192, title="Window", description="Tokens per training window.")
    ivfpq_threshold: int = setting(200_000, ge=1000, le=10**9, title="Approximate index above", description="Datastore size above which FAISS IVF-PQ replaces exact search.")
    device: Literal["auto", "cpu", "cuda"] = setting("auto", title="Training device", description="Where the decoder trains and runs.")


_ORIGIN = re.compile(r"(?P<scheme>[a-z][a-z0-9+.\-]*)://(?P<host>[a-z0-9\-._~%]+|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?")
_EXAMPLE = "list the extension's own origin, e.g. chrome-extension://<id> or moz-extension://<uuid>"


def _checked_origin(origin: str, text: str) -> str:
    """``text`` (the stripped, lower-cased ``origin``) if it is one exact origin; else the reason it is refused."""
    if text == "*":
        return _refuse("'*' would let every website read your data through the prefill API; " + _EXAMPLE)
    if text == "null":
        return _refuse("'null' is the origin browsers give sandboxed frames, local files and redirects, so any page "
                       "can send it; " + _EXAMPLE)
    if "*" in text:
        return _refuse(f"{origin.strip()!r} has a wildcard; name each origin exactly: " + _EXAMPLE[5:])
    if text.startswith("file:"):
        return _refuse("file:// pages send the origin 'null', which any page can send; " + _EXAMPLE)
    m = _ORIGIN.fullmatch(text)
    if not m:
        if re.match(r"[a-z][a-z0-9+.\-]*://[^/]+/", text):
            return _refuse(f"{origin.strip()!r} has a path; an origin is only scheme://host[:port]")
        return _refuse(f"{origin.strip()[:80]!r} is not an origin; write scheme://host[:port], such as "
                       "chrome-extension://<id> or http://localhost:3000")
    if m["port"] and not 0 < int(m["port"]) <= 65535:
        return _refuse(f"{origin.strip()!r} has no valid port (1-65535)")
    return text


def _refuse(reason: str) -> str:
    raise ValueError(reason)


def _exact_origins(origins: list[str]) -> list[str]:
    """Only exact ``scheme://host[:port]`` origins: never ``*``, ``null`` or anything a page could fake."""
    out: list[str] = []
    for origin in origins:
        text = origin.strip().rstrip("/").lower()
        if text and text not in out:
            out.append(_checked_origin(origin, text))
    return out


@dataclass(kw_only=True)
class AutofillSettings(Section):
    """Filling forms from what Mnemo knows."""

    fill_sensitive: bool = setting(False, title="Propose sensitive values", description="Offer identity, bank and health facts for forms (always marked).")
    overwrite_existing: bool = setting(False, title="Overwrite filled fields", description="Replace values a form already has.")
    min_confidence: float = setting(0.5, ge=0.0, le=1.0, title="Minimum confidence", description="Proposals below this are left empty.")
    api_enabled: bool = setting(False, title="Local prefill API", description="Serve POST /v1/prefill on 127.0.0.1 for a browser extension.")
    api_port: int = setting(8765, ge=1024, le=65535, title="API port", description="Loopback port of the prefill API.")
    api_allowed_origins: list[str] = setting(default_factory=list, title="Allowed origins", description="Origins allowed by CORS (e.g. an extension's origin).", check=_exact_origins)


@dataclass(kw_only=True)
class PrivacySettings(Section):
    """What may reach the model and the disk."""

    sensitive_in_prompt: bool = setting(False, title="Sensitive facts in prompts", description="Allow encrypted (sensitive) facts in the model's prompt.")


@dataclass(kw_only=True)
class DocumentSettings(Section):
    """Importing personal documents."""

    watched_folders: list[str] = setting(default_factory=list, title="Watched folders", description="Folders re-imported at start and while running.")
    max_file_mb: float = setting(50.0, ge=0.01, le=4096.0, title="Largest file (MB)", description="Files over this size are skipped.")
    include_hidden: bool = setting(False, title="Import hidden files", description="Also import files and folders whose names start with a dot.")


@dataclass(kw_only=True)
class StorageSettings(Section):
    """Where the vector index lives (SQLite stays the source of truth; the index can always be rebuilt from it)."""

    vectors: Literal["embedded", "chroma-server"] = setting("embedded", title="Vector index", description="embedded = Chroma files in the data folder; chroma-server = a Chroma server (its token is kept in the keyring).")
    chroma_host: str = setting("127.0.0.1", title="Chroma server host", description="Host of the Chroma server (storage.vectors = chroma-server).")
    chroma_port: int = setting(8000, ge=1, le=65535, title="Chroma server port", description="Port of the Chroma server.")
    chroma_ssl: bool = setting(False, title="Chroma server uses TLS", description="Connect to the Chroma server over HTTPS.")


@dataclass(kw_only=True)
class InterfaceSettings(Section):
    """How the desktop app looks."""

    theme: Literal["system", "light", "dark"] = setting("system", title="Theme", description="Colour scheme of the window.")
    font_size: int = setting(11, ge=7, le=32, title="Font size", description="Base font size in points.")
    show_sources: bool = setting(True, title="Show sources", description="Show cited sources under answers.")
    confirm_delete: bool = setting(True, title="Confirm deletions", description="Ask before deleting conversations, documents or facts.")


@dataclass(kw_only=True)
class Settings(Section):
    """All of Mnemo's settings, by section."""

    model: ModelSettings = setting(default_factory=ModelSettings, title="Model")
    generation: GenerationSettings = setting(default_factory=GenerationSettings, title="Generation")
    retrieval: RetrievalSettings = setting(default_factory=RetrievalSettings, title="Retrieval")
    reflection: ReflectionSettings = setting(default_factory=ReflectionSettings, title="Reflection")
    decoder: DecoderSettings = setting(default_factory=DecoderSettings, title="Memory decoder")
    autofill: AutofillSettings = setting(default_factory=AutofillSettings, title="Autofill")
    privacy: PrivacySettings = setting(default_factory=PrivacySettings, title="Privacy")
    documents: DocumentSettings = setting(default_factory=DocumentSettings, title="Documents")
    storage: StorageSettings = setting(default_factory=StorageSettings, title="Storage")
    interface: InterfaceSettings = setting(default_factory=InterfaceSettings, title="Interface")
