"""Outgoing messages: which case events become messages and to whom, the outbox, and the transports."""
