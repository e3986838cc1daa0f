import json
import os
import subprocess
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]


def test_collectstatic_hashes_viewflow_assets_in_production(tmp_path):
    """Production's hashed, compressed storage copes with viewflow's prebuilt static files."""
    environ = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_OWNER_URL")
    }
    environ.update(
        RELAIS_ENV="production",
        SECRET_KEY="collectstatic-test-key-" + "x" * 40,
        ALLOWED_HOSTS="relais.example",
        STATIC_ROOT=str(tmp_path),
    )
    result = subprocess.run(  # noqa: S603 — fixed interpreter and arguments
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=BASE,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    hashed = manifest["viewflow/css/viewflow.min.css"]
    assert hashed != "viewflow/css/viewflow.min.css"
    assert (tmp_path / hashed).is_file()
    assert (tmp_path / (hashed + ".gz")).is_file()
