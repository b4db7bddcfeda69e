"""Hostile targets on 127.0.0.1, served from their own thread and event loop.

- ``silent``: accepts the TCP connection and never sends a byte.
- ``trickle``: answers an HTTP request one byte per second.
- ``huge``: answers 200 with a body of ``HUGE_BYTES`` (marker first), as fast as it can.
- ``redos``: answers 200 with ``REDOS_BODY`` ("aaa…a!"), the body on which a
  backtracking engine takes exponential time for ``(a+)+$``.
- ``tls(cert, key)``: a TLS server answering HTTP 200 with a given certificate.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MARKER = b"itops-marker"
HUGE_BYTES = 1 << 30  # 1 GiB: far beyond anything a check should read
REDOS_BODY = b"a" * 100_000 + b"!"  # Python's re needs 40 s for 30 a's and the "!"
OK_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


def make_certificate(
    directory: Path, name: str, not_before: datetime, not_after: datetime
) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA); returns (cert, key) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name}.test.invalid")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def expired_certificate(directory: Path) -> tuple[Path, Path]:
    now = datetime.now(UTC)
    return make_certificate(
        directory, "expired", now - timedelta(days=400), now - timedelta(days=2)
    )


def valid_certificate(directory: Path, name: str = "untrusted") -> tuple[Path, Path]:
    now = datetime.now(UTC)
    return make_certificate(directory, name, now - timedelta(days=1), now + timedelta(days=300))


class HostileServers:
    """Starts the servers in a background loop; ``port(name)`` after ``start()``."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.ports: dict[str, int] = {}
        self._servers: list[asyncio.AbstractServer] = []
        self._held: set[asyncio.StreamWriter] = set()

    def start(self, tls: dict[str, tuple[Path, Path]] | None = None) -> HostileServers:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(tls or {}), self.loop).result(10)
        return self

    def port(self, name: str) -> int:
        return self.ports[name]

    def close(self) -> None:
        async def stop() -> None:
            for server in self._servers:
                server.close()
            for writer in list(self._held):
                writer.close()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    async def _serve(
        self, name: str, handler: object, ssl_ctx: ssl.SSLContext | None = None
    ) -> None:
        server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=ssl_ctx)  # type: ignore[arg-type]
        self._servers.append(server)
        self.ports[name] = server.sockets[0].getsockname()[1]

    async def _start(self, tls: dict[str, tuple[Path, Path]]) -> None:
        await self._serve("silent", self._silent)
        await self._serve("trickle", self._trickle)
        await self._serve("huge", self._huge)
        await self._serve("good", self._good)
        await self._serve("redos", self._redos)
        for name, (cert, key) in tls.items():
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            await self._serve(name, self._good, ctx)

    async def _silent(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._held.add(writer)
        try:
            await reader.read()  # until the client gives up
        except OSError:
            pass
        finally:
            self._held.discard(writer)
            writer.close()

    async def _trickle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._held.add(writer)
        try:
            await reader.readuntil(b"\r\n\r\n")
            for byte in OK_RESPONSE:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(1)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._held.discard(writer)
            writer.close()

    async def _huge(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        chunk = b"x" * 65536
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                + f"Content-Length: {HUGE_BYTES}\r\nConnection: close\r\n\r\n".encode()
                + MARKER
            )
            sent = len(MARKER)
            while sent < HUGE_BYTES:
                writer.write(chunk)
                sent += len(chunk)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _redos(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                + f"Content-Length: {len(REDOS_BODY)}\r\nConnection: close\r\n\r\n".encode()
                + REDOS_BODY
            )
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _good(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(OK_RESPONSE)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()
