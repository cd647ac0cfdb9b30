"""SMS transports: the log in development, Tencent Cloud SMS (its own SDK) in production.

A transport has ``delivered_status`` and ``send(phone, template, text, params)``,
which raises ``SmsError`` (a ``MailError``, so the outbox retries and fails it as
mail) when the provider does not accept the message. ``sms_transport_for(settings)`` picks this
process's from its settings (``engine.settings``):

``SMS_PROVIDER``    ``tencent``, or unset: development, SMS are logged and kept in the outbox
``SMS_SECRET_ID`` / ``SMS_SECRET_KEY``   the API key pair (secrets: environment only)
``SMS_APP_ID``      the SMS application (SmsSdkAppId); ``SMS_SIGN_NAME`` the approved signature (签名)
``SMS_TEMPLATES``   provider template ids by key: ``code=1234567,complaint_received=1234568,…``
``SMS_REGION``      default ``ap-guangzhou``; ``SMS_ENDPOINT`` another endpoint (``http://127.0.0.1:port`` in tests)
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

from engine.messages.mail import MailError
from engine.settings import Settings
from engine.storage.models import OutboxStatus

log = logging.getLogger(__name__)


class SmsError(MailError):
    """The SMS provider could not be reached or did not accept a message."""


class LogSms:
    """Development: writes each SMS to the log; the outbox row records it as ``logged``."""

    delivered_status = OutboxStatus.LOGGED

    def send(self, phone: str, template: str, text: str, params: list[str]) -> None:
        log.info("sms (not sent, no SMS_PROVIDER) to %s [%s]: %s", phone, template, text,
                 extra={"sms_to": phone, "sms_template": template})


class TencentSms:
    """Tencent Cloud SMS (API 2021-01-11) through ``tencentcloud-sdk-python-sms``: one number per request."""

    delivered_status = OutboxStatus.SENT

    def __init__(self, secret_id: str, secret_key: str, app_id: str, sign_name: str, templates: Mapping[str, str],
                 region: str = "ap-guangzhou", endpoint: str | None = None, timeout: int = 20):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile(reqTimeout=timeout)
        if endpoint:
            parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
            http.endpoint, http.protocol, http.scheme = parts.netloc, parts.scheme, parts.scheme
        self.app_id, self.sign_name, self.templates = app_id, sign_name, dict(templates)
        self.client = sms_client.SmsClient(credential.Credential(secret_id, secret_key), region,
                                           ClientProfile(httpProfile=http))

    def __repr__(self) -> str:  # never the key
        return f"TencentSms(app {self.app_id})"

    def send(self, phone: str, template: str, text: str, params: list[str]) -> None:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        template_id = self.templates.get(template)
        if not template_id:
            raise SmsError(f"no provider template id for SMS template {template!r} (SMS_TEMPLATES)")
        request = models.SendSmsRequest()
        request.PhoneNumberSet, request.SmsSdkAppId, request.SignName = [f"+86{phone}"], self.app_id, self.sign_name
        request.TemplateId, request.TemplateParamSet = template_id, list(params)
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            raise SmsError(f"Tencent Cloud SMS: {exc.get_code()} {exc.get_message()}") from exc
        statuses = response.SendStatusSet or []
        if not statuses or statuses[0].Code != "Ok":
            code, message = (statuses[0].Code, statuses[0].Message) if statuses else ("NoStatus", "empty answer")
            raise SmsError(f"Tencent Cloud SMS refused {phone}: {code} {message}")


def sms_transport_for(settings: Settings) -> LogSms | TencentSms:
    """The SMS transport the settings ask for (``ValueError`` naming what is missing)."""
    if not settings.sms_provider:
        return LogSms()
    if settings.sms_provider != "tencent":
        raise ValueError(f"SMS_PROVIDER must be 'tencent' or unset, not {settings.sms_provider!r}")
    given = {"SMS_SECRET_ID": settings.sms_secret_id, "SMS_SECRET_KEY": settings.sms_secret_key,
             "SMS_APP_ID": settings.sms_app_id, "SMS_SIGN_NAME": settings.sms_sign_name}
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise ValueError(f"SMS_PROVIDER=tencent needs {', '.join(missing)}")
    return TencentSms(settings.sms_secret_id or "", settings.sms_secret_key or "", settings.sms_app_id or "",
                      settings.sms_sign_name or "", dict(settings.sms_templates), region=settings.sms_region,
                      endpoint=settings.sms_endpoint)
