"""Process packages become content-addressed versions; invalid ones save nothing."""
import shutil

import pytest
from sqlalchemy import func, select

from engine import PackageInvalid, Process, ProcessVersion, latest_version, load_folder, store_version
from engine.library import package as package_module


def _load(folder):
    return load_folder(folder, forms_dir=folder.parent / "forms")


def test_same_files_twice_make_one_version(session, packages_dir):
    first = store_version(session, _load(packages_dir / "service_request"), author="a")
    second = store_version(session, _load(packages_dir / "service_request"), author="b")
    assert first.created and not second.created
    assert second.version.id == first.version.id
    assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 1
    assert first.version.number == 1 and first.version.author == "a"


def test_changed_file_makes_next_version(session, packages_dir, tmp_path):
    folder = tmp_path / "service_request"
    shutil.copytree(packages_dir / "service_request", folder)
    shutil.copytree(packages_dir / "followup", tmp_path / "followup")
    v1 = store_version(session, _load(folder)).version
    bpmn = folder / "service_request.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace("上门处理", "上门维修"), encoding="utf-8")
    v2 = store_version(session, _load(folder), message="rename").version
    assert (v1.number, v2.number) == (1, 2)
    assert v1.content_hash != v2.content_hash
    assert latest_version(session, "service_request").id == v2.id
    assert "上门维修" in v2.files["service_request.bpmn"]


def test_hash_covers_serializer_version(packages_dir, monkeypatch):
    package = _load(packages_dir / "service_request")
    before = package.content_hash
    monkeypatch.setattr(package_module, "SERIALIZER_VERSION", "something-else")
    assert package_module.content_hash(package.files) != before


def test_called_package_is_bundled_into_the_version(session, packages_dir):
    version = store_version(session, _load(packages_dir / "service_request")).version
    assert "calls/followup/followup.bpmn" in version.files
    assert "fu_callback.json" in version.files


def test_invalid_package_saves_nothing(session, packages_dir, tmp_path):
    folder = tmp_path / "service_request"
    shutil.copytree(packages_dir / "service_request", folder)
    shutil.copytree(packages_dir / "followup", tmp_path / "followup")
    bpmn = folder / "service_request.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace('level == "emergency"', "level =="),
                    encoding="utf-8")
    with pytest.raises(PackageInvalid) as err:
        store_version(session, _load(folder))
    assert any(p.element_id == "f_emergency" and p.file == "service_request.bpmn" for p in err.value.problems)
    session.flush()
    assert session.scalar(select(func.count()).select_from(Process)) == 0
    assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 0


def test_manifest_errors_name_the_field(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"key": "Bad Key", "name": "x"}', encoding="utf-8")
    with pytest.raises(PackageInvalid) as err:
        _load(folder)
    text = str(err.value)
    assert "process_id" in text and "'key'" in text and "manifest.json" in text


def test_start_form_comes_from_the_shared_forms_folder(tmp_path, packages_dir):
    folder, forms = tmp_path / "processes" / "service_request", tmp_path / "forms"
    shutil.copytree(packages_dir / "service_request", folder)
    shutil.copytree(packages_dir / "followup", tmp_path / "processes" / "followup")
    forms.mkdir()
    (folder / "sr_start.json").rename(forms / "sr_start.json")
    package = load_folder(folder)  # default forms folder: processes/../forms
    assert package.files["sr_start.json"] == (forms / "sr_start.json").read_bytes()
