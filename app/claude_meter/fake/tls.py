"""A throwaway self-signed certificate for the fake server's HTTPS mode.

Only the TLS code path imports this module, so ``cryptography`` (the optional ``tls`` extra) is
needed only by whoever asks for ``tls=True``. The certificate names both loopback and the real
hosts, so a client can be pointed at the fake under either name.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_DNS_NAMES = ("localhost", "claude.ai", "api.anthropic.com")
_IP_ADDRESSES = ("127.0.0.1", "::1")


def self_signed_cert() -> tuple[bytes, bytes]:
    """Return ``(cert_pem, key_pem)`` for a fresh P-256 key, valid for a week.

    The extensions (key usage, server-auth EKU, key identifiers) are there so the certificate
    also passes OpenSSL's X509_STRICT checks, which newer Pythons turn on by default.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ClaudeMeter fake claude.ai")])
    now = datetime.now(UTC)
    san = x509.SubjectAlternativeName(
        [x509.DNSName(host) for host in _DNS_NAMES]
        + [x509.IPAddress(ipaddress.ip_address(ip)) for ip in _IP_ADDRESSES]
    )
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem
