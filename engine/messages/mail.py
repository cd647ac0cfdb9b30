"""Mail transports: SMTP (smtplib) in production, the log in development.

``transport_for(settings)`` picks one: ``SMTP_URL`` set means SMTP, else the log.
``SmtpMailer.send`` raises ``MailError`` with the server's answer when a mail is
not accepted; ``LogMailer.send`` only writes the mail to the log.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from engine.exceptions import EngineError
from engine.settings import Settings
from engine.storage.models import OutboxStatus

log = logging.getLogger(__name__)


class MailError(EngineError):
    """The SMTP server could not be reached or did not accept a mail."""


class SmtpMailer:
    """Sends each mail in its own SMTP session: ``smtp://`` (STARTTLS when offered) or ``smtps://``."""

    delivered_status = OutboxStatus.SENT

    def __init__(self, url: str, sender: str, timeout: float = 20):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:password@host:587 or smtps://…:465")
        self.tls = parts.scheme == "smtps"
        self.host, self.port = parts.hostname, parts.port or (465 if self.tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender, self.timeout = sender, timeout

    def __repr__(self) -> str:  # never the password
        return f"SmtpMailer({'smtps' if self.tls else 'smtp'}://{self.host}:{self.port})"

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Message-ID"] = make_msgid(domain=parseaddr(self.sender)[1].rpartition("@")[2] or None)
        message.set_content(body)
        try:
            smtp: smtplib.SMTP
            if self.tls:
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                smtp.ehlo()
                if not self.tls and smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPResponseException as exc:
            answer = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            raise MailError(f"{self.host}:{self.port} answered {exc.smtp_code} {answer}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"{self.host}:{self.port}: {type(exc).__name__}: {exc}") from exc


class LogMailer:
    """Development: writes each mail to the log; the outbox row records it as ``logged``."""

    delivered_status = OutboxStatus.LOGGED

    def send(self, to: str, subject: str, body: str) -> None:
        log.info("mail (not sent, no SMTP_URL) to %s: %s\n%s", to, subject, body,
                 extra={"mail_to": to, "mail_subject": subject})


def transport_for(settings: Settings) -> SmtpMailer | LogMailer:
    """The transport the settings ask for."""
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url, settings.mail_from)
    return LogMailer()
