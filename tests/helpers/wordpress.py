"""A real WordPress for the tests marked `wordpress`: Debian's `wordpress` package, served by PHP's
built-in server (`php -S` with `wordpress_site/router.php`), on the local MariaDB (127.0.0.1:3306,
root without a password), each run in a scratch database it creates and drops.

`wordpress_site/setup.php` installs the site (wp_install), adds the accounts asked for and gives
each an Application Password. What the machine needs: `apt-get install wordpress
wordpress-theme-twentytwentyone php-cli php-mysql` and a MariaDB server; `absent()` says what is
missing. `python -m tests.helpers.wordpress` prints that (or nothing) for `.ci/run`.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.processes import free_port

ROOT = Path(os.environ.get("BYLINE_TEST_WORDPRESS_ROOT", "/usr/share/wordpress"))
SITE = Path(__file__).with_name("wordpress_site")
MARIADB = ("127.0.0.1", 3306)
THEME = "twentytwentyone"


def absent() -> str | None:
    """What the machine lacks to run a real WordPress, or None."""
    if shutil.which("php") is None:
        return "no php (apt-get install php-cli php-mysql)"
    if not (ROOT / "wp-settings.php").is_file():
        return f"no WordPress at {ROOT} (apt-get install wordpress)"
    if not (ROOT / "wp-content" / "themes" / THEME).is_dir():
        return f"no {THEME} theme (apt-get install wordpress-theme-{THEME})"
    probe = subprocess.run(
        ["php", "-r", "exit(extension_loaded('mysqli') ? 0 : 1);"], capture_output=True
    )
    if probe.returncode != 0:
        return "PHP has no mysqli (apt-get install php-mysql)"
    try:
        socket.create_connection(MARIADB, timeout=2).close()
    except OSError:
        return f"no MariaDB at {MARIADB[0]}:{MARIADB[1]}"
    return None


@dataclass(frozen=True)
class WordPressAccount:
    login: str
    id: int
    application_password: str


@dataclass(frozen=True)
class RealWordPress:
    url: str
    accounts: dict[str, WordPressAccount]


@contextmanager
def real_wordpress(accounts: list[dict[str, str]]) -> Iterator[RealWordPress]:
    """A fresh site with `accounts` ({login, email, display_name, role}; the first is the
    administrator wp_install creates), served on a free port until the block ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = f"byline_wp_{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "BYLINE_WP_DB_NAME": database,
        "BYLINE_WP_URL": url,
        "BYLINE_WP_ROOT": str(ROOT),
        "BYLINE_WP_ACCOUNTS": json.dumps(accounts),
    }
    try:
        installed = subprocess.run(
            ["php", str(SITE / "setup.php")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if installed.returncode != 0:
            raise RuntimeError(f"WordPress set-up failed: {installed.stderr or installed.stdout}")
        made = json.loads(installed.stdout)
        server = subprocess.Popen(
            ["php", "-S", f"127.0.0.1:{port}", "-t", str(ROOT), str(SITE / "router.php")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for(port, server)
            yield RealWordPress(
                url,
                {
                    login: WordPressAccount(login, item["id"], item["application_password"])
                    for login, item in made.items()
                },
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    finally:
        subprocess.run(
            [
                "php",
                "-r",
                f"(new mysqli('{MARIADB[0]}', 'root', '', '', {MARIADB[1]}))"
                f"->query('DROP DATABASE IF EXISTS `{database}`');",
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"php -S stopped at once (exit {server.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("php -S did not listen within 20 s")


if __name__ == "__main__":
    reason = absent()
    if reason:
        print(reason)
    sys.exit(1 if reason else 0)
