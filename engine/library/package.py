"""Process packages: a folder under ``processes/`` read into one content-addressed bundle.

A package folder holds ``manifest.json``, one or more ``.bpmn`` files, the ``.dmn``
tables they call and the JSON Schema forms their user tasks name. Forms not in the
folder (task forms and the manifest's ``start_form``) are taken from the shared
``forms/`` directory. A manifest looks like::

    {"key": "complaint", "name": "客户投诉处理", "process_id": "complaint",
     "calls": ["callback"], "parameters": {"confirm_hours": 24}}

``calls`` names other packages whose diagrams a call activity starts; their files
are bundled in under ``calls/<key>/`` so a version is self-contained: an instance
keeps running the exact subprocess it started with.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from engine.exceptions import PackageInvalid, Problem
from engine.library.extensions import FORM_PROPERTY, SPIFF_NS

MANIFEST = "manifest.json"
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
# Part of every version hash: a new serializer layout means a new version.
SERIALIZER_VERSION = "spiff-3.2.0/specless-1"


@dataclass(frozen=True)
class ProcessPackage:
    """Everything needed to build a process: files by bundle path, plus the manifest."""

    key: str
    name: str
    process_id: str
    files: dict[str, bytes]
    calls: tuple[str, ...] = ()
    parameters: dict = field(default_factory=dict)

    @property
    def manifest(self) -> dict:
        return json.loads(self.files[MANIFEST])

    def diagram_files(self) -> list[str]:
        return sorted(p for p in self.files if p.endswith(".bpmn"))

    def decision_files(self) -> list[str]:
        return sorted(p for p in self.files if p.endswith(".dmn"))

    def form(self, filename: str) -> dict:
        """The JSON Schema stored under ``filename`` (a form file name as a task names it)."""
        return json.loads(self.files[filename])

    @property
    def content_hash(self) -> str:
        return content_hash(self.files)


def content_hash(files: dict[str, bytes]) -> str:
    """sha256 over the sorted (path, content) pairs and the serializer version."""
    digest = hashlib.sha256(SERIALIZER_VERSION.encode())
    for path in sorted(files):
        digest.update(b"\0" + path.encode() + b"\0")
        digest.update(hashlib.sha256(files[path]).digest())
    return digest.hexdigest()


def read_manifest(raw: bytes, file: str = MANIFEST) -> dict:
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise PackageInvalid([Problem(file, None, f"not valid JSON: {exc}")]) from None
    problems = []
    if not isinstance(manifest, dict):
        raise PackageInvalid([Problem(file, None, "must be a JSON object")])
    for name in ("key", "name", "process_id"):
        if not isinstance(manifest.get(name), str) or not manifest[name].strip():
            problems.append(Problem(file, None, f"field '{name}' is required (a non-empty string)"))
    if isinstance(manifest.get("key"), str) and not KEY_RE.match(manifest["key"]):
        problems.append(Problem(file, None, "field 'key' must be lower-case letters, digits and _"))
    if not isinstance(manifest.get("calls", []), list):
        problems.append(Problem(file, None, "field 'calls' must be a list of package keys"))
    if not isinstance(manifest.get("parameters", {}), dict):
        problems.append(Problem(file, None, "field 'parameters' must be an object"))
    if problems:
        raise PackageInvalid(problems)
    return manifest


def referenced_forms(bpmn: bytes) -> set[str]:
    """Form file names that user tasks in one BPMN file name (best effort; invalid XML yields none)."""
    try:
        root = etree.fromstring(bpmn)
    except etree.XMLSyntaxError:
        return set()
    names = set()
    for prop in root.iter(f"{{{SPIFF_NS}}}property"):
        if prop.get("name") == FORM_PROPERTY and prop.get("value"):
            names.add(prop.get("value"))
    return names


PackageResolver = Callable[[str], "ProcessPackage"]


def load_folder(folder: Path | str, forms_dir: Path | str | None = None,
                resolver: PackageResolver | None = None) -> ProcessPackage:
    """Read a package folder into a :class:`ProcessPackage` (not validated; see ``validation``).

    ``forms_dir`` is the shared forms folder (default: ``forms/`` beside ``processes/``).
    ``resolver`` returns the package a ``calls`` entry names (default: a sibling folder).
    """
    folder = Path(folder)
    if not (folder / MANIFEST).is_file():
        raise PackageInvalid([Problem(str(folder / MANIFEST), None, "missing: a process folder needs a manifest")])
    if forms_dir is None:
        forms_dir = folder.parent.parent / "forms"
    forms_dir = Path(forms_dir)
    own: dict[str, bytes] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in (".bpmn", ".dmn", ".json"):
            own[path.name] = path.read_bytes()
    wanted = {form for diagram in own if diagram.endswith(".bpmn") for form in referenced_forms(own[diagram])}
    try:
        start_form = json.loads(own.get(MANIFEST, b"{}")).get("start_form")
    except (ValueError, AttributeError):  # a bad manifest is reported by assemble()
        start_form = None
    if isinstance(start_form, str):
        wanted.add(start_form)
    for form in sorted(wanted):
        if form not in own and (forms_dir / form).is_file():
            own[form] = (forms_dir / form).read_bytes()
    if resolver is None:
        def resolver(key: str) -> ProcessPackage:
            sibling = folder.parent / key
            if not (sibling / MANIFEST).is_file():
                raise PackageInvalid([Problem(str(folder / MANIFEST), None,
                                              f"calls '{key}', but there is no process folder '{sibling}'")])
            return load_folder(sibling, forms_dir)
    return assemble(own, resolver, origin=str(folder))


def assemble(own: dict[str, bytes], resolver: PackageResolver | None = None,
             origin: str = "") -> ProcessPackage:
    """Build a package from its own files, bundling the packages its manifest ``calls``."""
    manifest_file = f"{origin}/{MANIFEST}" if origin else MANIFEST
    if MANIFEST not in own:
        raise PackageInvalid([Problem(manifest_file, None, "missing: a process package needs a manifest")])
    manifest = read_manifest(own[MANIFEST], manifest_file)
    files = dict(own)
    problems: list[Problem] = []
    for key in manifest.get("calls", []):
        if resolver is None:
            problems.append(Problem(manifest_file, None, f"calls '{key}', which cannot be resolved here"))
            continue
        called = resolver(key)
        for path, content in called.files.items():
            if path == MANIFEST or path.startswith("calls/"):
                target = f"calls/{key}/{path}" if path == MANIFEST else path
            elif path.endswith(".json"):
                target = path  # forms keep their bare name: tasks refer to them by it
            else:
                target = f"calls/{key}/{path}"
            if target in files and files[target] != content:
                problems.append(Problem(manifest_file, None,
                                        f"'{path}' of called package '{key}' differs from a file of the same name"))
            files[target] = content
    if problems:
        raise PackageInvalid(problems)
    return ProcessPackage(
        key=manifest["key"], name=manifest["name"], process_id=manifest["process_id"],
        files=files, calls=tuple(manifest.get("calls", [])), parameters=dict(manifest.get("parameters", {})),
    )
