"""The engine's validation problems (English, for logs and the CLI) said in the page's language for the modeler.

Each pattern matches one message shape of ``engine.validation`` / ``engine.lint`` /
``engine.packages`` / ``engine.editing``; its groups fill the translated text. Python
error details and XML snippets stay as they are (they quote what the owner wrote).
A message no pattern knows is shown with a translated lead and its original text.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

PYTHON_KINDS = {"condition": _l("condition"), "script": _l("script"), "pre-script": _l("pre-script"),
                "post-script": _l("post-script"), "loop cardinality": _l("loop count"),
                "completion condition": _l("completion condition"), "event condition": _l("event condition"),
                "correlation expression": _l("correlation expression"),
                "timeDuration": _l("duration"), "timeDate": _l("date"), "timeCycle": _l("cycle")}

PATTERNS = [
    (r"^sequence flow (\S+) points to missing element (\S+) \((\w+)\)$",
     _l("Sequence flow %(1)s points to element %(2)s, which does not exist.")),
    (r"^(\w+) names missing element (\S+)$", _l("It refers to element %(2)s, which does not exist.")),
    (r"^lane (.+) lists missing element '?([^']*)'?$", _l("Lane %(1)s lists element %(2)s, which does not exist.")),
    (r"^(condition|script|pre-script|post-script|loop cardinality|completion condition|event condition|"
     r"correlation expression) does not compile as \(restricted\) Python: (.*)$",
     _l("The %(1)s is not valid Python: %(2)s")),
    (r"^timer (\S+) (.+) must be a quoted .*$", _l("Timer (%(1)s): write \"%(2)s\" in quotes (timer expressions are Python).")),
    (r"^timer (\S+) `(.*)` does not compile as \(restricted\) Python: (.*)$",
     _l("Timer (%(1)s): `%(2)s` is not valid Python: %(3)s")),
    (r"^user task has no lane: .*$", _l("This user task is in no lane; the lane says which role does it.")),
    (r"^a DMN file must hold exactly one decision \(found (\d+)\)$",
     _l("A decision table file holds exactly one decision (this one has %(1)s).")),
    (r"^hit policy (\S+) is not supported.*$", _l("Hit policy %(1)s is not supported: use UNIQUE, FIRST or COLLECT.")),
    (r"^input expression `(.*)` does not compile as \(restricted\) Python: (.*)$",
     _l("Input expression `%(1)s` is not valid Python: %(2)s")),
    (r"^(\w+) (\S+) `(.*)` does not compile as \(restricted\) Python: (.*)$",
     _l("Rule cell %(2)s `%(3)s` is not valid Python: %(4)s")),
    (r"^not well-formed XML \((.*)\)$", _l("The file is not well-formed XML (%(1)s).")),
    (r"^XSD \(line (\d+)\): (.*)$", _l("Line %(1)s does not follow the BPMN/DMN schema: %(2)s")),
    (r"^not valid JSON: (.*)$", _l("The file is not valid JSON: %(1)s")),
    (r"^must be a JSON object$", _l("The file must hold a JSON object.")),
    (r"^field '(\w+)' is required \(a non-empty string\)$", _l("The manifest needs “%(1)s” (a non-empty text).")),
    (r"^say what changed: a version needs a message$", _l("Say what changed: a version needs a message.")),
    (r"^calls '(\w+)', but no process '\w+' is stored$", _l("It calls process %(1)s, which is not in the library.")),
    (r"^calls '(\w+)', which cannot be resolved here$", _l("It calls process %(1)s, which cannot be found here.")),
    (r"^a file name may hold .*$", _l("A file name may hold letters, digits, _ . - and ends in .bpmn, .dmn or .json.")),
    (r"^must be text$", _l("The file must be text.")),
    (r"^a DOCTYPE is not allowed in a diagram$", _l("A diagram may not contain a DOCTYPE.")),
]
_COMPILED = [(re.compile(pattern), text) for pattern, text, *_rest in PATTERNS]


def problem_text(message: str) -> str:
    """``message`` in the request's language (known shapes), else a translated lead with the original."""
    for pattern, text in _COMPILED:
        match = pattern.match(message.strip())
        if match:
            groups = {str(i): str(PYTHON_KINDS.get(g, g)) for i, g in enumerate(match.groups(), start=1)}
            return str(text) % groups
    return str(_l("Not valid (technical detail): %(message)s", message=message))
