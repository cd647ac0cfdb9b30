"""SMS to residents: Chinese templates, a provider interface with a Tencent Cloud adapter, limits and opt-out.

- ``templates``: the message templates (the provider's approved templates, by key) and how they render;
- ``transports``: ``LogSms`` (development: logged, kept in the outbox) and ``TencentSms`` (the
  provider's SDK); ``sms_transport_for(settings)`` picks one by ``SMS_PROVIDER``;
- ``policy``: phone numbers, the per-number daily limit and the opt-out list;
- ``resident_notices``: a ``notified`` event addressed to ``resident`` becomes one SMS to the
  case's contact phone (``engine.messages.notifications`` calls it in the step's transaction).

An SMS is an outbox row with ``channel = "sms"``: ``subject`` the template key,
``params`` its variables in order, ``body`` the rendered text. ``engine.messages.outbox``
delivers, retries and fails it exactly like mail.
"""
