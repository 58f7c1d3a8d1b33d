"""What `pip install .` installs holds everything the checkout runs: every module of the four
packages and the files they read (migrations, models, templates, the demo's sites, the default
sources and taxonomy). Tests run from the checkout, where a module missing from the wheel is
still importable, so only building the wheel shows it (extractors.furniture was once left out
and `chipwire demo` failed on a fresh install while every test passed)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("flows", "extractors", "warehouse", "deploy")
DATA = ("*.py", "*.sql", "*.npz", "*.json", "*.j2", "*.toml", "*.yaml")


def _checkout_files() -> set[str]:
    tracked = subprocess.run(["git", "ls-files", *PACKAGES], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout: the files the wheel must hold are the tracked ones")
    files = set(tracked.stdout.split())
    demo_sites = {f for f in files if f.startswith("flows/demo/sites/")}
    return {f for f in files if any(Path(f).match(p) for p in DATA)} | demo_sites


def test_the_wheel_holds_every_module_and_data_file(tmp_path):
    files = _checkout_files()
    # built from a copy of the tracked files: setuptools writes build/ beside the sources it builds
    source = tmp_path / "src"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    for name in tracked:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("chipwire-*.whl"))
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(f for f in files if f not in in_wheel)
    assert missing == [], f"not in the wheel: {missing[:20]}"
