"""Residents: the household register, their sign-in by phone and SMS code, and what each may see.

- ``households``: the register per property (《业户信息记录表》): rooms, people, phones; lookups by
  room and by phone; the count the figures' ‰ rates divide by;
- ``importing``: the register from an XLSX or CSV file, with a per-row error report, all or nothing;
- ``signin``: one-time SMS codes (hashed, expiring, rate-limited per number and per address);
- ``access``: the cases a resident's households may see, and the case-linking at start.

The web blueprint (``webapp.resident``) and the JSON API only call these services.
"""
