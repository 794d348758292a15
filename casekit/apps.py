"""Serve the Voila app gallery (``make demo`` / ``casekit apps``).

Voila serves ``notebooks/apps`` on 127.0.0.1 only, with its classic (server-rendered) tree page
replaced by a gallery template generated here from each app's title and one-sentence description
(notebook metadata ``casekit.description``).  The server is hardened for a classroom:

- an access token: the printed URL carries it (``?token=...``); the browser keeps a login cookie, so
  the gallery's links work, while a page that does not know the token starts nothing;
- a strict Host allow-list (127.0.0.1, ::1 and localhost), so DNS rebinding cannot reach it;
- a cap on live kernels (``--max-kernels``, default :data:`DEFAULT_MAX_KERNELS`): each app session
  holds a kernel of a few hundred MB, and a visitor beyond the cap gets a clear "server busy" page
  (HTTP 503) instead of another kernel;
- idle kernels are culled, and the page of a culled kernel shows "Session ended - reload" instead of
  silently ignoring its controls;
- no asset from a CDN (Voila's own bundle already carries the icon font), and tracebacks are never
  shown to the audience.

``python -m casekit.apps`` is the server process itself (Voila with these settings).
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from casekit.catalog import apps, apps_dir, project_root
from casekit.resources import is_shipped_copy

TEMPLATE = "casekit"
CULL_IDLE_S = 300
CULL_INTERVAL_S = 60
DEFAULT_MAX_KERNELS = 10
TOKEN_ENV = "CASEKIT_APPS_TOKEN"
MAX_KERNELS_ENV = "CASEKIT_MAX_KERNELS"
HOST = "127.0.0.1"


class AppsError(RuntimeError):
    """The app server cannot start; ``str()`` is one line a person can act on."""


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


# The page shown when every kernel slot is taken (Voila renders "<status>.html" for an HTTP error).
BUSY_HTML = """{% extends "page.html" %}
{% block title %}casekit apps: server busy{% endblock %}
{% block stylesheets %}
  {{ super() }}
  <style>
    body { font-family: system-ui, sans-serif; background: #fafafa; }
    .ck-busy { max-width: 40rem; margin: 4rem auto; background: white; border: 1px solid #ddd;
               border-radius: 6px; padding: 1.2rem 1.6rem; }
  </style>
{% endblock %}
{% block body %}
  <div class="ck-busy" id="ck-server-busy">
    <h1>The app server is busy</h1>
    <p>{{ status_message }}</p>
    <p>Every app session this server allows is in use. Sessions that sit idle are closed after a few
       minutes: try again shortly, or close an app tab you no longer need and
       <a href="">reload this page</a>.</p>
  </div>
{% endblock %}
"""

# Injected at the top of every app page: when the page's kernel is gone (culled after being idle,
# or the server stopped), say so instead of letting the controls silently stop responding.  The
# kernel is looked up when its websocket closes and every 15 s (a GET does not count as activity).
SESSION_NOTICE_JS = """<script>
(function () {
  var NativeWebSocket = window.WebSocket, shown = false, leaving = false;
  window.addEventListener('beforeunload', function () { leaving = true; });
  function notice() {
    if (shown || leaving || !document.body) return;
    shown = true;
    var box = document.createElement('div');
    box.id = 'ck-session-ended';
    box.setAttribute('role', 'alert');
    box.style.cssText = 'position:fixed;top:0;left:0;right:0;z-index:100000;padding:12px 16px;' +
      'background:#b3261e;color:#fff;font:16px system-ui,sans-serif;text-align:center';
    box.innerHTML = 'Session ended \\u2014 this app was idle, so its computing session was closed to ' +
      'free memory. <a href="" style="color:#fff;font-weight:bold">Reload the page</a> to start again.';
    box.querySelector('a').addEventListener('click', function (e) { e.preventDefault(); location.reload(); });
    document.body.appendChild(box);
  }
  function check(kernelUrl) {
    fetch(kernelUrl, {credentials: 'same-origin', cache: 'no-store'}).then(function (r) {
      if (r.status === 404 || r.status === 410) { notice(); }
    }).catch(function () { notice(); });
  }
  function kernelUrlFromPage() {
    var el = document.getElementById('jupyter-config-data');
    if (!el) { return null; }
    try {
      var cfg = JSON.parse(el.textContent);
      return cfg.kernelId ? (cfg.baseUrl || '/') + 'api/kernels/' + cfg.kernelId : null;
    } catch (e) { return null; }
  }
  function Patched(url, protocols) {
    var ws = protocols === undefined ? new NativeWebSocket(url) : new NativeWebSocket(url, protocols);
    var m = /^wss?:\\/\\/[^\\/]+(\\/.*\\/api\\/kernels\\/[^\\/?]+)\\/channels/.exec(String(url)) ||
            /^wss?:\\/\\/[^\\/]+(\\/api\\/kernels\\/[^\\/?]+)\\/channels/.exec(String(url));
    if (m) { ws.addEventListener('close', function () { setTimeout(function () { check(m[1]); }, 500); }); }
    return ws;
  }
  Patched.prototype = NativeWebSocket.prototype;
  ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (k) { Patched[k] = NativeWebSocket[k]; });
  window.WebSocket = Patched;
  setInterval(function () { var u = kernelUrlFromPage(); if (u && !shown) { check(u); } }, 15000);
})();
</script>
"""


def _voila_template(name: str) -> Path:
    """A file of Voila's installed templates, e.g. ``lab/index.html.j2`` or ``base/page.html``."""
    from jupyter_core.paths import jupyter_path

    for root in jupyter_path("voila", "templates"):
        path = Path(root) / name
        if path.is_file():
            return path
    raise AppsError(f"Voila's template voila/templates/{name} is not installed")


def _without_remote_links(text: str, name: str) -> str:
    """``text`` with every ``<link href="http(s)://...">`` line removed; :class:`AppsError` if any
    other remote asset (``src=``/``href=`` to http/https) is left."""
    text = "\n".join(line for line in text.splitlines()
                     if not re.search(r"<link[^>]+href=\"https?://", line)) + "\n"
    if re.search(r"(src|href)=\"https?://", text):
        raise AppsError(f"Voila's {name} still loads a remote asset after removing the CDN links")
    return text


def app_page_template() -> str:
    """Voila's lab app page with its CDN stylesheet links removed and the session notice added.

    The icon font those links fetched is already part of Voila's locally served bundle, so nothing
    is lost offline.  Raises :class:`AppsError` if the page would still load anything remote.
    """
    text = _without_remote_links(_voila_template("lab/index.html.j2").read_text(encoding="utf-8"),
                                 "lab/index.html.j2")
    text, n = re.subn(r"(\{%-? block html_head_js -?%\})", r"\1\n" + SESSION_NOTICE_JS.replace("\\", "\\\\"),
                      text, count=1)
    if n != 1:
        raise AppsError("Voila's lab template has no html_head_js block to add the session notice to")
    return text


def plain_page_template() -> str:
    """Voila's base ``page.html`` (gallery, busy and error pages) without its CDN icon-font link."""
    return _without_remote_links(_voila_template("base/page.html").read_text(encoding="utf-8"),
                                 "base/page.html")


def write_template(target: Path) -> Path:
    """Write the gallery template under ``target/voila/templates/casekit`` and return ``target``
    (a directory to put on JUPYTER_PATH)."""
    tdir = target / "voila" / "templates" / TEMPLATE
    tdir.mkdir(parents=True, exist_ok=True)
    (tdir / "conf.json").write_text(json.dumps({"base_template": "lab"}))
    (tdir / "tree.html").write_text(_gallery_html(apps()), encoding="utf-8")
    (tdir / "503.html").write_text(BUSY_HTML, encoding="utf-8")
    (tdir / "index.html.j2").write_text(app_page_template(), encoding="utf-8")
    (tdir / "page.html").write_text(plain_page_template(), encoding="utf-8")
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    """True when something already listens on ``127.0.0.1:port`` (or it cannot be bound)."""
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return True
    return False


def max_kernels_setting(max_kernels: int | None = None) -> int:
    """The kernel cap: ``max_kernels``, else ``$CASEKIT_MAX_KERNELS``, else :data:`DEFAULT_MAX_KERNELS`."""
    if max_kernels is None:
        text = os.environ.get(MAX_KERNELS_ENV, "").strip()
        if not text:
            return DEFAULT_MAX_KERNELS
        try:
            max_kernels = int(text)
        except ValueError:
            raise AppsError(f"{MAX_KERNELS_ENV} must be a whole number >= 1, got {text!r}") from None
    if type(max_kernels) is not int or max_kernels < 1:
        raise AppsError(f"max_kernels must be a whole number >= 1, got {max_kernels!r}")
    return max_kernels


def voila_command(port: int, max_kernels: int = DEFAULT_MAX_KERNELS, cull_idle_s: int = CULL_IDLE_S,
                  cull_interval_s: int = CULL_INTERVAL_S) -> list[str]:
    return [
        sys.executable, "-m", "casekit.apps", str(apps_dir()),
        f"--port={port}", "--no-browser", f"--Voila.ip={HOST}", "--Voila.port_retries=0",
        f"--template={TEMPLATE}", "--VoilaConfiguration.classic_tree=True",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.multi_kernel_manager_class=casekit.apps.CappedKernelManager",
        f"--CappedKernelManager.max_kernels={max_kernels}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_s}",
        f"--MappingKernelManager.cull_interval={cull_interval_s}",
        "--MappingKernelManager.cull_connected=True",
    ]


def voila_env(jupyter_dir: Path | None = None, token: str | None = None) -> dict[str, str]:
    if jupyter_dir is None:
        root = project_root()   # the installed copy of the curriculum is not ours to write into
        jupyter_dir = (Path.cwd() if is_shipped_copy(root) else root) / "build" / "jupyter"
    jupyter_dir = write_template(jupyter_dir)
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(jupyter_dir), env.get("JUPYTER_PATH")]))
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    if token is not None:
        env[TOKEN_ENV] = token        # in the environment, not on the command line other users can read
    return env


def start(port: int | None = None, *, max_kernels: int | None = None, cull_idle_s: int = CULL_IDLE_S,
          cull_interval_s: int = CULL_INTERVAL_S, token: str | None = None,
          **popen_kwargs) -> tuple[subprocess.Popen, str]:
    """Start Voila in the background; return the process and the gallery URL with its token
    (``http://127.0.0.1:PORT/?token=...``).  Raises :class:`AppsError` if ``port`` is in use."""
    port = port or free_port()
    if type(port) is not int or not 1 <= port <= 65535:
        raise AppsError(f"port must be a whole number from 1 to 65535, got {port!r}")
    if port_in_use(port):
        raise AppsError(f"port {port} on {HOST} is in use (another server?); choose another with --port")
    token = token or secrets.token_urlsafe(24)
    command = voila_command(port, max_kernels_setting(max_kernels), cull_idle_s, cull_interval_s)
    proc = subprocess.Popen(command, env=voila_env(token=token), cwd=str(project_root()), **popen_kwargs)
    return proc, f"http://{HOST}:{port}/?token={token}"


def serve(port: int = 8866, max_kernels: int | None = None) -> int:
    """Serve in the foreground until Ctrl-C."""
    cap = max_kernels_setting(max_kernels)
    proc, url = start(port, max_kernels=cap)
    print(f"casekit app gallery: {url}  (up to {cap} app sessions at once; Ctrl-C stops it)", flush=True)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
        return 0


# ------------------------------------------------------------------------------ the server process

from traitlets import Integer  # noqa: E402  (ipywidgets depends on traitlets)

try:
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
except ImportError:  # pragma: no cover - without the notebooks extra there is no server to cap
    AsyncMappingKernelManager = object


class CappedKernelManager(AsyncMappingKernelManager):
    """Voila's kernel manager with a cap on live kernels: a new session beyond ``max_kernels``
    (kernels alive plus kernels starting) is refused with HTTP 503, which Voila renders with the
    template's ``503.html`` ("server busy")."""

    max_kernels = Integer(DEFAULT_MAX_KERNELS, config=True,
                          help="Most kernels alive at once; further sessions get a 'server busy' page.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._starting = 0

    async def start_kernel(self, *args, **kwargs):
        from tornado import web

        if kwargs.get("kernel_id") is None:
            live = len(self.list_kernel_ids()) + self._starting
            if live >= self.max_kernels:
                self.log.warning("casekit: refusing a new app session, %d of %d kernels in use",
                                 live, self.max_kernels)
                raise web.HTTPError(503, reason=f"{live} of {self.max_kernels} app sessions are in use.")
        self._starting += 1
        try:
            return await super().start_kernel(*args, **kwargs)
        finally:
            self._starting -= 1


def main(argv: list[str] | None = None) -> None:
    """Run Voila with the token from ``$CASEKIT_APPS_TOKEN`` and Host checks switched on."""
    from voila.app import Voila

    class CasekitVoila(Voila):
        def init_settings(self):
            settings = super().init_settings()
            settings["allow_remote_access"] = False          # Host must be a loopback address or localhost
            settings["local_hostnames"] = ["localhost"]
            return settings

    token = os.environ.get(TOKEN_ENV)
    if not token:
        raise SystemExit(f"casekit apps: {TOKEN_ENV} is not set; start the server with `casekit apps`")
    CasekitVoila.launch_instance(argv, token=token)


if __name__ == "__main__":
    main()
