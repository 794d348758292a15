"""Serve the Voila app gallery (``make demo`` / ``casekit apps``).

Voila serves ``notebooks/apps`` on 127.0.0.1 only, with its classic (server-rendered) tree page
replaced by a gallery template generated here from each app's title and one-sentence description
(notebook metadata ``casekit.description``).  Idle kernels are culled so that a day of demo
visits does not pile up kernels; tracebacks are never shown to the audience.
"""

from __future__ import annotations

import html
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from casekit.catalog import apps, apps_dir, project_root

TEMPLATE = "casekit"
CULL_IDLE_S = 300


def _gallery_html(rows) -> str:
    items = "\n".join(
        f'      <li class="ck-app"><a href="{{{{ base_url }}}}voila/render/{html.escape(r.app)}">'
        f'<b>{html.escape(r.title or r.app)}</b></a><p>{html.escape(r.description)}</p></li>'
        for r in rows.itertuples())
    return """{% extends "page.html" %}
{% block title %}casekit app gallery{% endblock %}
{% block stylesheets %}
  {{ super() }}
  <style>
    body { font-family: system-ui, sans-serif; background: #fafafa; }
    .ck-gallery { max-width: 52rem; margin: 3rem auto; }
    .ck-gallery ul { list-style: none; padding: 0; }
    .ck-app { background: white; border: 1px solid #ddd; border-radius: 6px; padding: 0.8rem 1rem; margin: 0.6rem 0; }
    .ck-app p { margin: 0.3rem 0 0; color: #444; }
  </style>
{% endblock %}
{% block body %}
  <div class="ck-gallery">
    <h1>casekit app gallery</h1>
    <p>Interactive companions to the casekit curriculum: multi-echelon inventory control under uncertainty.</p>
    <ul id="ck-apps">
""" + items + """
    </ul>
  </div>
{% endblock %}
"""


def write_template(target: Path) -> Path:
    """Write the gallery template under ``target/voila/templates/casekit`` and return ``target``
    (a directory to put on JUPYTER_PATH)."""
    tdir = target / "voila" / "templates" / TEMPLATE
    tdir.mkdir(parents=True, exist_ok=True)
    (tdir / "conf.json").write_text(json.dumps({"base_template": "lab"}))
    (tdir / "tree.html").write_text(_gallery_html(apps()), encoding="utf-8")
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def voila_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "voila", str(apps_dir()),
        f"--port={port}", "--no-browser", "--Voila.ip=127.0.0.1",
        f"--template={TEMPLATE}", "--VoilaConfiguration.classic_tree=True",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_S}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=True",
    ]


def voila_env(jupyter_dir: Path | None = None) -> dict[str, str]:
    jupyter_dir = write_template(jupyter_dir or project_root() / "build" / "jupyter")
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(jupyter_dir), env.get("JUPYTER_PATH")]))
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return env


def start(port: int | None = None, **popen_kwargs) -> tuple[subprocess.Popen, str]:
    """Start Voila in the background; return the process and the gallery URL (for tests)."""
    port = port or free_port()
    proc = subprocess.Popen(voila_command(port), env=voila_env(), cwd=str(project_root()), **popen_kwargs)
    return proc, f"http://127.0.0.1:{port}/"


def serve(port: int = 8866) -> int:
    """Serve in the foreground until Ctrl-C."""
    proc, url = start(port)
    print(f"casekit app gallery: {url}  (Ctrl-C stops it)", flush=True)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
        return 0
