"""Download one file over HTTP(S) with httpx: streamed into ``NAME.partial``, resumed with a Range request,
checked against a sha256 when one is known, and moved to its name only when complete.

Beside the partial file, ``NAME.partial.json`` records the URL and the validator (ETag or
Last-Modified) it came with, so a resume asks ``If-Range`` and a changed file starts over
instead of splicing two versions. A cut connection is retried (resuming) a few times; after
that the partial file is kept and the same command resumes it. A full disk keeps the partial
file too (the message says where, and its size). A wrong sha256 deletes it: resuming would only
rebuild the same wrong file.

A Hugging Face "resolve" URL redirects to its CDN with ``X-Linked-Etag`` (the LFS object's
sha256): that is used as the expected hash when the user gave none, and compared with theirs
when they did.
"""
from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.errors import Cancelled
from core.jobs import CancelToken, Progress, ProgressFn, no_progress, token_or_new
from core.modelhub.errors import ChecksumError, DiskFullError, DownloadError, OfflineError
from core.modelhub.machine import gib

log = logging.getLogger(__name__)

CHUNK = 1 << 20
PARTIAL = ".partial"
DISK_MARGIN = 64 * 2**20        # keep this much free after a download
FULL_DISK = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
USER_AGENT = "mnemo-model-download/1"


@dataclass
class Downloaded:
    path: Path
    url: str
    size: int
    sha256: str
    verified: bool           # matched a known sha256 (the user's or the server's)
    resumed_from: int        # bytes that were already there when this download started


def partial_path(dest: Path) -> Path:
    return dest.with_name(dest.name + PARTIAL)


def download(url: str, dest: Path, *, sha256: str | None = None, progress: ProgressFn = no_progress,
             cancel: CancelToken | None = None, retries: int = 3, retry_wait_s: float = 2.0,
             timeout_s: float = 60.0, transport: Any = None) -> Downloaded:
    """Fetch ``url`` to ``dest`` (resuming ``dest.partial``); ``DownloadError`` subclasses say what went wrong."""
    import httpx

    cancel = token_or_new(cancel)
    expected = _normal_sha(sha256) if sha256 else None
    part, meta_path = partial_path(dest), partial_path(dest).with_suffix(PARTIAL + ".json")
    dest.parent.mkdir(parents=True, exist_ok=True)
    meta = _read_meta(meta_path)
    if part.exists() and meta.get("url") != url:
        log.info("dropping %s: it belongs to another download (%s)", part, meta.get("url"))
        part.unlink()
        meta = {}
    started_with = part.stat().st_size if part.exists() else 0
    host = urlsplit(url).netloc
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 20.0))
    attempt = 0
    with httpx.Client(follow_redirects=True, timeout=timeout, transport=transport,
                      headers={"User-Agent": USER_AGENT}) as client:
        while True:
            cancel.raise_if_cancelled("The download was cancelled; the partial file is kept for a resume.")
            try:
                result = _attempt(client, url, part, meta_path, meta, expected, progress, cancel)
                break
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                raise _offline(host, exc) from exc
            except OSError as exc:      # the .partial.json beside it, on a disk already full
                if exc.errno in FULL_DISK:
                    raise DiskFullError(f"The disk is full ({exc.strerror}).",
                                        f"Free some space on the disk of {dest.parent}, then try again.") from exc
                raise
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout, httpx.WriteError) as exc:
                have = part.stat().st_size if part.exists() else 0
                attempt += 1
                if attempt > retries:
                    raise DownloadError(
                        f"The download from {host} stopped at {gib(have)} ({type(exc).__name__}: {exc}).",
                        f"The partial file {part} is kept: run the same command again to resume.") from exc
                log.warning("download from %s cut at %d bytes (%s); resuming (try %d of %d)", host, have, exc,
                            attempt, retries)
                total = _read_meta(meta_path).get("total") or 0
                progress(Progress(have // 1024, int(total) // 1024, f"connection cut at {gib(have)}, resuming"))
                _sleep(retry_wait_s * attempt, cancel)
                meta = _read_meta(meta_path)
    size, digest, server_sha = result
    want = expected or server_sha
    if want is not None and digest != want:
        _remove(part, meta_path)
        source = "the sha256 you gave" if expected else f"the sha256 {host} announced"
        raise ChecksumError(f"The downloaded file's sha256 is {digest}, not {want} ({source}); the file was deleted.",
                            "Check the hash (and the address), then download again.")
    _fsync(part)
    os.replace(part, dest)
    meta_path.unlink(missing_ok=True)
    return Downloaded(dest, url, size, digest, want is not None, started_with)


def _attempt(client: Any, url: str, part: Path, meta_path: Path, meta: dict[str, Any], expected: str | None,
             progress: ProgressFn, cancel: CancelToken) -> tuple[int, str, str | None]:
    """One request: resume ``part`` if there is one; returns (size, sha256, the server's sha256)."""
    have = part.stat().st_size if part.exists() else 0
    headers: dict[str, str] = {"Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
        validator = meta.get("etag") or meta.get("last_modified")
        if validator:
            headers["If-Range"] = validator
    with client.stream("GET", url, headers=headers) as resp:
        server_sha = _linked_sha(resp)
        if expected and server_sha and expected != server_sha:
            raise ChecksumError(f"{urlsplit(url).netloc} says this file's sha256 is {server_sha}, not {expected} "
                                "(the one you gave); nothing was downloaded.",
                                "Check the hash and the address.")
        if resp.status_code == 416 and have and meta.get("total") == have:
            return have, _hash_file(part, hashlib.sha256()).hexdigest(), server_sha   # already complete
        if resp.status_code == 416:
            part.unlink(missing_ok=True)
            raise _http_error(resp, url, "the partial file no longer matches the server's: it was deleted, try again")
        if resp.status_code >= 400:
            raise _http_error(resp, url)
        if resp.status_code == 206:
            start, total = _content_range(resp.headers.get("Content-Range", ""))
            if start != have:
                raise DownloadError(f"{urlsplit(url).netloc} resumed at byte {start}, not {have}.",
                                    f"Delete {part} and download again.")
            mode = "ab"
        else:
            have, mode = 0, "wb"     # a full answer: the server ignored the range, or the file changed
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
        new_meta = {"url": url, "total": total, "etag": _strong_etag(resp.headers.get("ETag")),
                    "last_modified": resp.headers.get("Last-Modified"), "sha256": server_sha}
        if new_meta != meta:
            _write_meta(meta_path, new_meta)
            meta.clear()
            meta.update(new_meta)
        _check_room(part, have, total)
        h = hashlib.sha256()
        if have:
            _hash_file(part, h)
        done = have
        t0, at_start = time.monotonic(), have
        try:
            with open(part, mode) as f:
                for chunk in resp.iter_bytes():   # as received: a cut keeps every byte that came
                    if cancel.cancelled:
                        raise Cancelled("The download was cancelled; the partial file is kept for a resume.")
                    f.write(chunk)
                    h.update(chunk)
                    done += len(chunk)
                    progress(_report(done, total, part.name, t0, at_start))
                f.flush()
        except OSError as exc:
            if exc.errno in FULL_DISK:
                kept = part.stat().st_size if part.exists() else 0
                raise DiskFullError(
                    f"The disk is full: {gib(kept)} of {gib(total)} downloaded.",
                    f"The partial file {part} is kept ({gib(kept)}): free some space and run the same command "
                    "again to resume, or delete it.") from exc
            raise
        if total is not None and done != total:
            raise DownloadError(f"{urlsplit(url).netloc} sent {done} bytes of {total}.",
                                f"The partial file {part} is kept: run the same command again to resume.")
        progress(_report(done, total or done, part.name, t0, at_start, final=True))
        return done, h.hexdigest(), server_sha


def _report(done: int, total: int | None, name: str, t0: float, at_start: int, final: bool = False) -> Progress:
    elapsed = max(time.monotonic() - t0, 1e-6)
    rate = (done - at_start) / elapsed
    extra: dict[str, Any] = {"bytes": done, "total_bytes": total, "rate": rate}
    if total and rate > 0:
        extra["eta_s"] = 0.0 if final else (total - done) / rate
    # the bar counts KiB: tqdm draws integers, and bytes of a 5 GB file make unreadable numbers
    return Progress(done // 1024, (total or 0) // 1024, name.removesuffix(PARTIAL), extra)


def _check_room(part: Path, have: int, total: int | None) -> None:
    if total is None:
        return
    free = shutil.disk_usage(part.parent).free
    if free < total - have + DISK_MARGIN:
        raise DiskFullError(f"There is not enough room for this model: it needs {gib(total - have)} more, "
                            f"{gib(free)} is free on the disk of {part.parent}.",
                            "Free some space, then run the same command again"
                            + (f" (the partial file {part} is kept)." if have else "."))


def _offline(host: str, exc: BaseException) -> OfflineError:
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, socket.gaierror):
        cause = cause.__cause__ or cause.__context__
    if cause is not None:
        return OfflineError(f"Cannot find {host}: you appear to be offline, or the address is wrong ({exc}).",
                            "Check the network connection and the address, then try again.")
    return OfflineError(f"Cannot reach {host}: you appear to be offline, or the server is down ({exc}).",
                        "Check the network connection, then run the same command again.")


def _http_error(resp: Any, url: str, detail: str = "") -> DownloadError:
    host = urlsplit(url).netloc
    code = resp.status_code
    if code in (401, 403):
        return DownloadError(f"{host} refused the download ({code} {resp.reason_phrase}): the model may need a login "
                             "or accepting its license.",
                             "Download it in a browser, then add the file by path: mnemo models add PATH.")
    if code == 404:
        return DownloadError(f"{host} has no file at {url} (404).",
                             "Check the address; a Hugging Face shorthand is owner/repo/file.gguf.")
    return DownloadError(f"{host} answered {code} {resp.reason_phrase}" + (f": {detail}" if detail else "") + ".",
                         "Try again later, or check the address.")


def _linked_sha(resp: Any) -> str | None:
    """The sha256 a Hugging Face resolve redirect announces (X-Linked-Etag), on any hop."""
    for r in [*resp.history, resp]:
        value = r.headers.get("X-Linked-Etag")
        if value:
            sha = value.strip().removeprefix("W/").strip('"').lower()
            if SHA256_RE.match(sha):
                return sha
    return None


def _strong_etag(value: str | None) -> str | None:
    return value if value and not value.startswith("W/") else None


def _content_range(value: str) -> tuple[int, int | None]:
    m = re.match(r"bytes (\d+)-(\d+)/(\d+|\*)", value.strip())
    if not m:
        raise DownloadError(f"The server's answer to a resume has no usable Content-Range ({value!r}).",
                            "Run the same command again; if it keeps failing, delete the .partial file.")
    return int(m.group(1)), (int(m.group(3)) if m.group(3) != "*" else None)


def _normal_sha(text: str) -> str:
    sha = text.strip().lower().removeprefix("sha256:")
    if not SHA256_RE.match(sha):
        raise DownloadError(f"{text!r} is not a sha256 (64 hexadecimal digits).", "Copy the hash again.")
    return sha


def _hash_file(path: Path, h: Any) -> Any:
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_meta(path: Path, meta: dict[str, Any]) -> None:
    from core.settings.store import atomic_write_text

    atomic_write_text(path, json.dumps(meta, indent=2))


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sleep(seconds: float, cancel: CancelToken) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        cancel.raise_if_cancelled("The download was cancelled; the partial file is kept for a resume.")
        time.sleep(min(0.1, max(0.0, end - time.monotonic())))
