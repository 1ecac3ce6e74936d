"""The fake server's throwaway certificate (:mod:`claude_meter.fake.tls`), in a real TLS
handshake on loopback under each name it is for."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from claude_meter.fake.tls import self_signed_cert


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    cert, key = self_signed_cert()
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert)
    (folder / "key.pem").write_bytes(key)
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def tls_server(pem: tuple[Path, Path]) -> Iterator[int]:
    """A loopback TLS server that completes one handshake per connection and says hello."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*pem)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            conn, _ = listener.accept()
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"hello")
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    socket.create_connection(listener.getsockname()).close()  # wake the accept
    thread.join(5)
    listener.close()


@pytest.mark.parametrize("name", ["localhost", "claude.ai", "api.anthropic.com", "127.0.0.1"])
def test_a_verifying_client_accepts_it_under_each_name(
    pem: tuple[Path, Path], tls_server: int, name: str
) -> None:
    client = ssl.create_default_context(cafile=str(pem[0]))  # X509_STRICT on newer Pythons
    with (
        socket.create_connection(("127.0.0.1", tls_server)) as raw,
        client.wrap_socket(raw, server_hostname=name) as tls,
    ):
        assert tls.recv(5) == b"hello"


def test_another_name_is_refused(pem: tuple[Path, Path], tls_server: int) -> None:
    client = ssl.create_default_context(cafile=str(pem[0]))
    with (
        socket.create_connection(("127.0.0.1", tls_server)) as raw,
        pytest.raises(ssl.SSLCertVerificationError, match="mismatch"),
    ):
        client.wrap_socket(raw, server_hostname="evil.example")


def test_each_certificate_is_fresh_and_short_lived() -> None:
    first = x509.load_pem_x509_certificate(self_signed_cert()[0])
    second = x509.load_pem_x509_certificate(self_signed_cert()[0])
    assert first.serial_number != second.serial_number
    assert first.public_key() != second.public_key()
    now = datetime.now(UTC)
    assert first.not_valid_before_utc < now < first.not_valid_after_utc
    assert first.not_valid_after_utc - now < timedelta(days=8)
    constraints = first.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert not constraints.ca  # it can vouch for nothing else
