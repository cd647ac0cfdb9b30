"""Every text of the UI has its Chinese translation, and the committed catalogue is compiled from it."""
import subprocess
import sys

from conftest import ROOT


def test_chinese_catalogue_is_complete_and_compiled():
    result = subprocess.run([sys.executable, "scripts/i18n.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
