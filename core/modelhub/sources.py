"""What ``mnemo models add X`` means: a file on this computer, an HTTPS URL, or a Hugging Face ``owner/repo/file.gguf``.

The shorthand resolves to ``{HF_ENDPOINT}/owner/repo/resolve/main/file.gguf`` (``HF_ENDPOINT`` as in
huggingface_hub, default https://huggingface.co); a ``…/blob/REV/…`` page address is turned into its
``resolve`` download. Plain http is refused except to this computer (a local mirror): a model file
fetched in the clear could be swapped on the way.
"""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from core.modelhub.errors import ModelHubError

HF_DEFAULT = "https://huggingface.co"
_HF_SHORT = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+/(?:[\w.-]+/)*[\w.-]+\.gguf$")
_NAME_OK = re.compile(r"[^\w.+-]+")


@dataclass(frozen=True)
class Source:
    kind: str            # "path" | "url"
    text: str            # what the user typed
    url: str = ""
    path: Path | None = None
    filename: str = ""   # the file name it gets in the models folder


def hf_endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or HF_DEFAULT).rstrip("/")


def resolve(text: str) -> Source:
    """Classify ``text``; ``ModelHubError`` when it is none of the three."""
    raw = text.strip()
    if not raw:
        raise ModelHubError("No model given.", "Give a .gguf file, an https:// address or owner/repo/file.gguf.")
    local = Path(raw).expanduser()
    if local.exists() or raw.startswith(("/", "./", "../", "~")) or (os.sep != "/" and os.sep in raw):
        if not local.is_file():
            raise ModelHubError(f"{local} does not exist or is not a file.", "Give the path of a .gguf file.")
        return Source("path", raw, path=local.resolve(), filename=local.name)
    if "://" in raw:
        return _url_source(raw)
    if _HF_SHORT.match(raw):
        owner, repo, rest = raw.split("/", 2)
        url = f"{hf_endpoint()}/{owner}/{repo}/resolve/main/{quote(rest)}"
        return Source("url", raw, url=url, filename=safe_filename(rest.rsplit("/", 1)[-1]))
    raise ModelHubError(f"{raw!r} is not a file here, an address, or a Hugging Face owner/repo/file.gguf.",
                        "Examples: mnemo models add ~/Downloads/model.gguf, mnemo models add "
                        "https://host/model.gguf, mnemo models add bartowski/SmolLM2-360M-Instruct-GGUF/"
                        "SmolLM2-360M-Instruct-Q4_K_M.gguf")


def _url_source(raw: str) -> Source:
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ModelHubError(f"{raw!r} is not an http(s) address.", "Give an https:// address of a .gguf file.")
    if parts.scheme == "http" and not _is_local(parts.hostname):
        raise ModelHubError(f"Plain http to {parts.hostname} is refused: the model could be altered on the way.",
                            "Use its https:// address.")
    path = parts.path
    segments = path.split("/")
    # a Hugging Face page (…/owner/repo/blob/REV/file) → its download (…/resolve/REV/file)
    if len(segments) > 4 and segments[3] == "blob":
        segments[3] = "resolve"
        path = "/".join(segments)
    url = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    name = unquote(path.rsplit("/", 1)[-1])
    return Source("url", raw, url=url, filename=safe_filename(name) if name else "")


def safe_filename(name: str) -> str:
    """A file name for the models folder: no folders, no odd characters, ending in .gguf."""
    base = _NAME_OK.sub("-", Path(name).name).strip(".-") or "model"
    return base if base.lower().endswith(".gguf") else base + ".gguf"


def _is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
