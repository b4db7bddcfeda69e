"""A real RFC 3161 time-stamp authority on 127.0.0.1 for the tests: ``openssl ts -reply``.

A throw-away CA and a TSA certificate (critical extendedKeyUsage timeStamping) are made
with the openssl CLI; a tiny HTTP server pipes each ``application/timestamp-query`` POST
through ``openssl ts -reply`` and answers with the ``application/timestamp-reply``.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CONFIG = """[req]
distinguished_name = dn
prompt = no
[dn]
CN = DEMO TSA CA (test)
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_tsa]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa_config]
serial = SERIAL
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.2
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_alg = sha256
"""


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_authority(folder: Path, name: str = "tsa") -> tuple[Path, Path, Path, Path]:
    """(config, CA certificate, TSA key, TSA certificate) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / f"{name}.cnf"
    config.write_text(CONFIG.replace("SERIAL", str(folder / f"{name}.serial")), encoding="utf-8")
    (folder / f"{name}.serial").write_text("01\n", encoding="utf-8")
    ca_key, ca_crt = folder / f"{name}-ca.key", folder / f"{name}-ca.crt"
    key, csr, crt = folder / f"{name}.key", folder / f"{name}.csr", folder / f"{name}.crt"
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    _openssl(
        "req",
        "-x509",
        "-new",
        *ec,
        "-keyout",
        str(ca_key),
        "-out",
        str(ca_crt),
        "-days",
        "30",
        "-config",
        str(config),
        "-extensions",
        "v3_ca",
    )
    _openssl(
        "req", "-new", *ec, "-keyout", str(key), "-out", str(csr), "-subj", "/CN=DEMO TSA (test)"
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        str(csr),
        "-CA",
        str(ca_crt),
        "-CAkey",
        str(ca_key),
        "-CAcreateserial",
        "-out",
        str(crt),
        "-days",
        "30",
        "-extfile",
        str(config),
        "-extensions",
        "v3_tsa",
    )
    return config, ca_crt, key, crt


@dataclass
class Authority:
    url: str
    ca_file: Path
    requests: int = 0


def _handler(authority: Authority, config: Path, key: Path, crt: Path) -> type:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with tempfile.TemporaryDirectory() as tmp:
                query, reply = Path(tmp, "q.tsq"), Path(tmp, "r.tsr")
                query.write_bytes(body)
                subprocess.run(
                    [
                        "openssl",
                        "ts",
                        "-reply",
                        "-queryfile",
                        str(query),
                        "-inkey",
                        str(key),
                        "-signer",
                        str(crt),
                        "-config",
                        str(config),
                        "-section",
                        "tsa_config",
                        "-out",
                        str(reply),
                    ],
                    check=False,
                    capture_output=True,
                )
                answer = reply.read_bytes() if reply.exists() else b""
            authority.requests += 1
            self.send_response(200 if answer else 500)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    return Handler


@pytest.fixture(scope="session")
def tsa_certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, Path]:
    return make_authority(tmp_path_factory.mktemp("tsa"))


@pytest.fixture
def tsa(tsa_certs: tuple[Path, Path, Path, Path]) -> Iterator[Authority]:
    """The time-stamp authority, listening on 127.0.0.1 (a free port)."""
    config, ca, key, crt = tsa_certs
    authority = Authority("", ca)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(authority, config, key, crt))
    authority.url = f"http://127.0.0.1:{server.server_address[1]}/tsa"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield authority
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
