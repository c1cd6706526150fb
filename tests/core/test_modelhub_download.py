"""Downloads against a real HTTP server on 127.0.0.1: resume after a cut connection (HTTP Range), a changed file,
a wrong sha256, Hugging Face's announced sha256, no room on the disk, offline, cancel."""
from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

import httpx
import pytest

from core.errors import Cancelled
from core.jobs import CancelToken, Progress
from core.modelhub import download as dl
from core.modelhub.errors import ChecksumError, DiskFullError, DownloadError, OfflineError
from tests.core.modelhub_server import FileServer

DATA = os.urandom(300_000)
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def server():
    s = FileServer().start()
    yield s
    s.stop()


def _ranges(server: FileServer) -> list[str]:
    return [r.get("Range", "") for r in server.requests]


def test_a_complete_download_is_verified_and_moved_in_place(server: FileServer, tmp_path: Path) -> None:
    url = server.add("/m.gguf", DATA)
    reports: list[Progress] = []
    out = dl.download(url, tmp_path / "m.gguf", sha256=SHA.upper(), progress=reports.append)
    assert (tmp_path / "m.gguf").read_bytes() == DATA
    assert out.verified and out.sha256 == SHA and out.size == len(DATA) and out.resumed_from == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.gguf"]   # no .partial, no .partial.json
    assert reports[-1].extra["bytes"] == len(DATA) and reports[-1].total == len(DATA) // 1024
    assert all("eta_s" in p.extra for p in reports)


def test_a_cut_connection_resumes_with_a_range_request(server: FileServer, tmp_path: Path) -> None:
    url = server.add("/m.gguf", DATA, cut_after=100_000, cuts=1)
    reports: list[Progress] = []
    out = dl.download(url, tmp_path / "m.gguf", sha256=SHA, retry_wait_s=0, progress=reports.append)
    assert any(p.message == "connection cut at 100 kB, resuming" for p in reports)
    assert (tmp_path / "m.gguf").read_bytes() == DATA and out.verified
    assert _ranges(server)[0] == "" and _ranges(server)[1] == "bytes=100000-"
    assert server.requests[1]["If-Range"] == server.files["/m.gguf"].etag


def test_after_the_retries_the_partial_file_is_kept_and_the_next_run_resumes(server: FileServer, tmp_path: Path) -> None:
    url = server.add("/m.gguf", DATA, cut_after=120_000, cuts=2)
    dest = tmp_path / "m.gguf"
    with pytest.raises(DownloadError, match="run the same command again to resume") as err:
        dl.download(url, dest, retries=1, retry_wait_s=0)
    assert not isinstance(err.value, ChecksumError)
    part = dl.partial_path(dest)
    assert not dest.exists() and part.stat().st_size == 240_000 and part.read_bytes() == DATA[:240_000]
    out = dl.download(url, dest, sha256=SHA)
    assert out.resumed_from == 240_000 and dest.read_bytes() == DATA
    assert _ranges(server) == ["", "bytes=120000-", "bytes=240000-"]


def test_a_file_changed_on_the_server_starts_over(server: FileServer, tmp_path: Path) -> None:
    old = os.urandom(200_000)
    url = server.add("/m.gguf", old, cut_after=50_000, cuts=1)
    dest = tmp_path / "m.gguf"
    with pytest.raises(DownloadError):
        dl.download(url, dest, retries=0)
    server.add("/m.gguf", DATA)          # a new version: another ETag, so If-Range answers the whole file
    out = dl.download(url, dest, sha256=SHA)
    assert dest.read_bytes() == DATA and out.verified
    assert server.requests[-1]["Range"] == "bytes=50000-"


def test_a_server_without_ranges_gives_the_whole_file_again(server: FileServer, tmp_path: Path) -> None:
    url = server.add("/m.gguf", DATA, cut_after=70_000, cuts=1, ranges=False)
    out = dl.download(url, tmp_path / "m.gguf", sha256=SHA, retry_wait_s=0)
    assert (tmp_path / "m.gguf").read_bytes() == DATA and out.verified


def test_a_wrong_sha256_deletes_the_file(server: FileServer, tmp_path: Path) -> None:
    url = server.add("/m.gguf", DATA)
    with pytest.raises(ChecksumError, match="the file was deleted"):
        dl.download(url, tmp_path / "m.gguf", sha256="0" * 64)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(DownloadError, match="not a sha256"):
        dl.download(url, tmp_path / "m.gguf", sha256="abc")


def test_the_sha256_hugging_face_announces_is_checked(server: FileServer, tmp_path: Path) -> None:
    url = server.add("/o/r/resolve/main/m.gguf", DATA, linked_sha=SHA)
    out = dl.download(url, tmp_path / "m.gguf")
    assert out.verified and out.sha256 == SHA
    bad = server.add("/o/r/resolve/main/bad.gguf", DATA, linked_sha="1" * 64)
    with pytest.raises(ChecksumError, match="announced"):
        dl.download(bad, tmp_path / "bad.gguf")
    assert not (tmp_path / "bad.gguf").exists()
    with pytest.raises(ChecksumError, match="nothing was downloaded"):   # the user's hash and the server's differ
        dl.download(url, tmp_path / "x.gguf", sha256="2" * 64)


def test_no_room_on_the_disk_is_said_before_downloading(server: FileServer, tmp_path: Path, monkeypatch) -> None:
    url = server.add("/m.gguf", DATA)
    real = dl.shutil.disk_usage

    def tiny(path):  # type: ignore[no-untyped-def]
        u = real(path)
        return u._replace(free=1000)
    monkeypatch.setattr(dl.shutil, "disk_usage", tiny)
    with pytest.raises(DiskFullError, match="not enough room"):
        dl.download(url, tmp_path / "m.gguf")
    assert not (tmp_path / "m.gguf").exists()


def test_offline_says_so(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]     # closed when the block ends: nothing listens there
    with pytest.raises(OfflineError, match=f"Cannot reach 127.0.0.1:{port}: you appear to be offline"):
        dl.download(f"http://127.0.0.1:{port}/m.gguf", tmp_path / "m.gguf")
    assert list(tmp_path.iterdir()) == []

    def no_dns(request: httpx.Request) -> httpx.Response:
        try:
            raise socket.gaierror(-3, "Temporary failure in name resolution")
        except socket.gaierror as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
    with pytest.raises(OfflineError, match="Cannot find example.org: you appear to be offline"):
        dl.download("https://example.org/m.gguf", tmp_path / "m.gguf", transport=httpx.MockTransport(no_dns))


def test_missing_file_and_cancel(server: FileServer, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="404"):
        dl.download(server.base + "/nothing.gguf", tmp_path / "n.gguf")
    url = server.add("/m.gguf", DATA * 8)
    cancel = CancelToken()

    def stop_after_first(p: Progress) -> None:
        cancel.cancel()
    with pytest.raises(Cancelled, match="kept for a resume"):
        dl.download(url, tmp_path / "m.gguf", progress=stop_after_first, cancel=cancel)
    assert dl.partial_path(tmp_path / "m.gguf").stat().st_size > 0
