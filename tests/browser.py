"""Real JupyterLab servers and a headless Chromium driven by selenium, for the end-to-end UI tests
(``tests/test_browser.py``). No mocks: ``jupyter lab`` from this virtualenv (nbgrader's server and
lab extensions as installed) and Debian's ``chromium`` and ``chromedriver``.

    with JupyterLab(cwd, home, token) as lab:      # waits until /api/status answers
        driver = chrome(tmp_dir)                    # headless, a fresh profile
        driver.get(lab.url("lab"))

Set ``FITTING_REQUIRE_BROWSER=1`` to make a missing browser a failure instead of a skip.
"""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
BIN = Path(sys.executable).parent


def missing():
    """Why the browser tests cannot run here (None: they can)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return f"{path} is not installed (Debian: apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed in this virtualenv"
    if not (BIN / "jupyter-lab").exists():
        return f"jupyter lab is not installed in {BIN.parent}"
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """``jupyter lab`` in its own process group, serving ``cwd``, which is also its working folder
    (where nbgrader's server extensions read ``nbgrader_config.py``), with ``home`` as HOME (its
    settings, workspaces and runtime files stay out of the real home) and the log in ``log``.
    ``unset``: environment variables the server must not inherit."""

    def __init__(self, cwd, home, token=None, host="127.0.0.1", env=None, unset=(), log=None):
        self.cwd, self.home = Path(cwd), Path(home)
        self.unset = tuple(unset)
        self.token = token or secrets.token_hex(16)
        self.host, self.port = host, free_port()
        self.extra_env = dict(env or {})
        self.log_path = Path(log or self.home / "jupyter-lab.log")
        self.process = None

    def url(self, path="", token=False):
        base = f"http://{self.host}:{self.port}/{path.lstrip('/')}"
        return base + (("&" if "?" in base else "?") + f"token={self.token}" if token else "")

    def start(self, timeout=60):
        self.home.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, HOME=str(self.home), PYTHONUNBUFFERED="1", **self.extra_env)
        env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")      # nbgrader runs alembic
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", *self.unset):
            env.pop(name, None)
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [str(BIN / "jupyter"), "lab", "--no-browser", f"--ip={self.host}", f"--port={self.port}",
             f"--IdentityProvider.token={self.token}", "--allow-root", f"--ServerApp.root_dir={self.cwd}"],
            cwd=self.cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                self.get("api/status", timeout=2)
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
        raise TimeoutError(f"jupyter lab did not answer /api/status within {timeout} s:\n{self.log_tail()}")

    def get(self, path, timeout=30):
        """GET a server path with the token header; the decoded JSON (or the text)."""
        request = urllib.request.Request(self.url(path), headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read().decode()
        try:
            return json.loads(body)
        except ValueError:
            return body

    def log_tail(self, lines=60):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)        # the server and its kernels
                self.process.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(5)
        if getattr(self, "_log", None):
            self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def chrome(profile_dir, width=1400, height=1000):
    """Headless Chromium with a new, empty profile in ``profile_dir``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    profile_dir = Path(profile_dir)
    if profile_dir.exists():
        shutil.rmtree(profile_dir)
    profile_dir.mkdir(parents=True)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--window-size={width},{height}", f"--user-data-dir={profile_dir}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def wait(driver, timeout=20):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout, poll_frequency=0.05)


def visible(driver, css, timeout=20):
    """The first element matching ``css`` once it is displayed."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    return wait(driver, timeout).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def clickable(driver, css, timeout=20):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    return wait(driver, timeout).until(ec.element_to_be_clickable((By.CSS_SELECTOR, css)))


def text_of(driver, css):
    from selenium.webdriver.common.by import By
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, css)]
