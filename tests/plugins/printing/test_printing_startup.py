"""WeasyPrint is imported at the first print, not when a worker starts (0.6 s of every start)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_starting_a_kernel_with_the_printing_plugin_does_not_import_weasyprint(tmp_path):
    root = Path(__file__).resolve().parents[3]
    code = ("import sys\n"
            "from core.app import Kernel\n"
            "from core.config import load_settings\n"
            f"settings = load_settings(var_dir={str(tmp_path)!r}, database_url='sqlite:///{tmp_path}/x.db',"
            " secret_key='x')\n"
            "kernel = Kernel(settings)\n"
            "kernel.asgi()\n"
            "assert 'printing' in kernel.enabled, kernel.errors\n"
            "assert 'weasyprint' not in sys.modules, 'WeasyPrint imported at start-up'\n")
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
