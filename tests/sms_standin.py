"""A local stand-in for Tencent Cloud's SMS endpoint: records each SendSms call and answers like the provider.

``answers`` is a list of what to answer next (consumed in order; empty: success):
``"Ok"`` success, another string a per-number status code (e.g. a blacklisted
number), or ``("Error", code)`` an API error of the whole request.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class SmsStandIn:
    def __init__(self):
        self.requests: list[dict] = []  # {"action", "authorization", "body"}
        self.answers: list = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def sent(self) -> list[tuple[str, str, list[str]]]:
        """(phone, template id, parameters) of each SendSms request, in order."""
        return [(r["body"]["PhoneNumberSet"][0], r["body"]["TemplateId"], r["body"]["TemplateParamSet"])
                for r in self.requests if r["action"] == "SendSms"]

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                standin.requests.append({"action": self.headers.get("X-TC-Action"),
                                         "authorization": self.headers.get("Authorization", ""), "body": body})
                answer = standin.answers.pop(0) if standin.answers else "Ok"
                if isinstance(answer, tuple):
                    response = {"Error": {"Code": answer[1], "Message": "stand-in refuses"}, "RequestId": "r1"}
                else:
                    response = {"SendStatusSet": [{
                        "SerialNo": "2028:1", "PhoneNumber": body["PhoneNumberSet"][0], "Fee": 1, "SessionContext": "",
                        "Code": answer, "Message": "send success" if answer == "Ok" else "refused", "IsoCode": "CN"}],
                        "RequestId": "r1"}
                data = json.dumps({"Response": response}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


TEMPLATE_IDS = {"code": "100001", "complaint_received": "100002", "complaint_reply": "100003",
                "complaint_progress": "100004", "complaint_extension": "100005", "case_closed": "100006",
                "repair_received": "100007", "repair_progress": "100008", "notice": "100010",
                "survey_invite": "100011"}


def tencent_env(url: str) -> dict[str, str]:
    """The SMS_* environment pointing the Tencent adapter at the stand-in."""
    return {"SMS_PROVIDER": "tencent", "SMS_SECRET_ID": "AKIDtest", "SMS_SECRET_KEY": "test-key",
            "SMS_APP_ID": "1400000000", "SMS_SIGN_NAME": "翠湖物业", "SMS_ENDPOINT": url,
            "SMS_TEMPLATES": ",".join(f"{k}={v}" for k, v in TEMPLATE_IDS.items())}


@pytest.fixture
def sms_standin():
    standin = SmsStandIn()
    standin.start()
    try:
        yield standin
    finally:
        standin.stop()
