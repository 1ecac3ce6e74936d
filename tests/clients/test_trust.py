"""Which certificate authorities a connection trusts (:mod:`claude_meter.clients.trust`)."""

from __future__ import annotations

import ssl
from pathlib import Path

import certifi
import pytest

from claude_meter.clients.trust import ca_file, ssl_context
from claude_meter.core.errors import ConfigurationError
from claude_meter.fake.tls import self_signed_cert


def test_ssl_cert_file_is_trusted_for_a_loopback_override_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = {"SSL_CERT_FILE": "/tmp/test-ca.pem"}
    assert ca_file("https://127.0.0.1:8443", env) == "/tmp/test-ca.pem"
    assert ca_file("https://localhost:8443", env) == "/tmp/test-ca.pem"
    assert ca_file("https://claude.ai", env) == certifi.where()
    assert ca_file("https://api.anthropic.com", env) == certifi.where()
    assert ca_file("https://127.0.0.1:8443", {}) == certifi.where()


def test_a_missing_ssl_cert_file_is_a_clear_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from claude_meter.clients.http import make_http_client

    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    with pytest.raises(ConfigurationError, match=r"SSL_CERT_FILE names /nonexistent/ca\.pem"):
        make_http_client("https://127.0.0.1:8443")


def test_the_context_verifies_against_the_named_file(tmp_path: Path) -> None:
    cert, _ = self_signed_cert()
    (tmp_path / "ca.pem").write_bytes(cert)
    env = {"SSL_CERT_FILE": str(tmp_path / "ca.pem")}
    context = ssl_context("https://127.0.0.1:8443", env)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509"] == 1  # that file, not certifi's roots
    assert ssl_context("https://127.0.0.1:8443", env) is context  # loaded once per file


def test_a_file_that_is_not_pem_is_a_clear_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate\n")
    env = {"SSL_CERT_FILE": str(tmp_path / "ca.pem")}
    with pytest.raises(ConfigurationError, match="not a readable PEM file") as raised:
        ssl_context("https://localhost:8443", env)
    assert "unset it" in str(raised.value)
    # The real hosts never read it: certifi's roots, whatever the variable names.
    assert ssl_context("https://claude.ai", env).cert_store_stats()["x509_ca"] > 100
