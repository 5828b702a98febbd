"""`lifkit request --send`: STARTTLS to a real SMTP server the test runs on 127.0.0.1; password from the
environment, never from lifkit.toml."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from conftest import Lifkit
from returns import CIGSCR1_VALUES, blank_form, fill_pdf


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def smtp_server(tmp_path: Path, monkeypatch):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    received, logins = [], []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"fictional-secret")

    with socket.socket() as probe:  # a free port on the loopback address
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)
    controller.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this test's own certificate
    try:
        yield controller, received, logins
    finally:
        controller.stop()


def case_with_smtp(workspace: Path, tmp_path: Path, smtp: str) -> tuple[Lifkit, str]:
    """A workspace with an [smtp] section and a case opened from a referral, ready to request."""
    settings = workspace / "lifkit.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + f"\n[smtp]\n{smtp}\n", encoding="utf-8")
    ws = Lifkit(workspace)
    form = fill_pdf(blank_form(ws, tmp_path / "blank.pdf", "cigscr1"), CIGSCR1_VALUES, tmp_path / "referral.pdf")
    reference = json.loads(ws("referral", "open", form, "--notified", "02/11/2026", "--json").stdout)["reference"]
    return ws, reference


def test_send_with_starttls_and_a_password_from_the_environment(workspace: Path, tmp_path: Path, smtp_server,
                                                                 monkeypatch, fixed_today):
    controller, received, logins = smtp_server
    port = controller.port
    monkeypatch.setenv("LIFKIT_SMTP_PASSWORD", "fictional-secret")
    ws, reference = case_with_smtp(workspace, tmp_path, f'host = "127.0.0.1"\nport = {port}\nusername = "lscb.admin"\n'
                                   'starttls = true')
    settings = workspace / "lifkit.toml"
    result = ws("request", reference, "--agency", "POL", "--agency", "CSC", "--send", "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["sent"]) == 2
    assert logins == [("lscb.admin", "fictional-secret"), ("lscb.admin", "fictional-secret")][:len(logins)]
    assert sorted(e.rcpt_tos[0] for e in received) == ["csc.ciec@testshire.example", "pol.ciec@testshire.example"]
    message = message_from_bytes(received[0].content, policy=default)
    assert message["X-Unsent"] is None  # a sent message is not a draft
    assert reference in message["Subject"]
    assert "fictional-secret" not in settings.read_text(encoding="utf-8")


def test_send_failure_keeps_the_drafts(workspace: Path, tmp_path: Path, fixed_today):
    ws, reference = case_with_smtp(workspace, tmp_path, 'host = "127.0.0.1"\nport = 9')
    result = ws("request", reference, "--agency", "POL", "--send")
    assert result.exit_code == 4
    assert "The mail server 127.0.0.1:9 failed" in result.stderr
    assert "still in the outbox" in result.stderr
    assert (workspace / "cases" / reference / "outbox" / f"request-{reference}-POL.eml").is_file()


def test_send_without_a_password(workspace: Path, tmp_path: Path, monkeypatch, fixed_today):
    monkeypatch.delenv("LIFKIT_SMTP_PASSWORD", raising=False)
    ws, reference = case_with_smtp(workspace, tmp_path, 'host = "127.0.0.1"\nusername = "x"')
    result = ws("request", reference, "--agency", "POL", "--send")
    assert result.exit_code == 2
    assert "set the LIFKIT_SMTP_PASSWORD environment variable" in result.stderr

