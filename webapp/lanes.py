"""A diagram as staff read it: lanes named by their roles' names (``front_desk`` -> 客服前台), not role ids."""
from __future__ import annotations

import re
from html import escape

from .display import ROLE_LABELS, role_label

_LANE = re.compile(r'(<(?:[A-Za-z_][\w.-]*:)?lane\b[^>]*?\bname=")([^"]*)(")')


def lane_labels(xml: str) -> str:
    """``xml`` with every lane whose name is a role id renamed to the role's name in the page's language.

    Only the ``name`` of lanes changes; ids and everything the case progress marks stay as they are.
    """
    def rename(match: re.Match) -> str:
        name = match.group(2)
        if name not in ROLE_LABELS:
            return match.group(0)
        return match.group(1) + escape(role_label(name), quote=True) + match.group(3)

    return _LANE.sub(rename, xml)
