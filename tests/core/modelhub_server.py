"""A real HTTP file server on 127.0.0.1 for the download tests: Range requests, ETag/If-Range, cut connections,
and Hugging Face's resolve redirect with X-Linked-Etag."""
from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Served:
    data: bytes
    etag: str = ""
    cut_after: int | None = None     # close the connection after this many body bytes ...
    cuts: int = 0                    # ... this many times
    ranges: bool = True              # honour Range requests
    linked_sha: str | None = None    # serve under /resolve/ with a redirect announcing this sha256
    pause_s: float = 0.0             # sleep between 64 KB pieces of the body (a slow server)


@dataclass
class FileServer:
    files: dict[str, Served] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, path: str, data: bytes, **kw: object) -> str:
        served = Served(data, etag='"' + hashlib.sha1(data).hexdigest() + '"', **kw)  # type: ignore[arg-type]
        self.files[path] = served
        return self.base + path

    def start(self) -> "FileServer":
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                owner.requests.append({"path": self.path, **{k: v for k, v in self.headers.items()}})
                if self.path.startswith("/cdn/"):
                    served = owner.files.get(self.path[len("/cdn"):])
                else:
                    served = owner.files.get(self.path)
                    if served is not None and served.linked_sha is not None:
                        self.send_response(302)
                        self.send_header("Location", "/cdn" + self.path)
                        self.send_header("X-Linked-Etag", f'"{served.linked_sha}"')
                        self.send_header("X-Linked-Size", str(len(served.data)))
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                if served is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data, start = served.data, 0
                rng = self.headers.get("Range")
                if_range = self.headers.get("If-Range")
                if rng and served.ranges and (if_range is None or if_range == served.etag):
                    m = re.match(r"bytes=(\d+)-$", rng)
                    assert m, rng
                    start = int(m.group(1))
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", served.etag)
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                if served.cut_after is not None and served.cuts > 0:
                    served.cuts -= 1
                    self.wfile.write(body[: served.cut_after])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if served.pause_s:
                    for i in range(0, len(body), 65536):
                        self.wfile.write(body[i:i + 65536])
                        self.wfile.flush()
                        time.sleep(served.pause_s)
                    return
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
