"""A throwaway IMAP server for tests: Debian's Dovecot, started from a configuration of our own in
the test's temporary directory (base_dir, state, mail and the passwd-file all inside it), listening
on loopback only, plain IMAP. Never the machine's system service.

    server = Dovecot(free_port()); server.start()
    server.url                       imap://user:password@127.0.0.1:<port>/INBOX
    server.deliver(raw_bytes)        a message into INBOX (IMAP APPEND, as delivery leaves it)
    server.restart(); server.stop()

Dovecot drops privileges to its own users (the package creates `dovecot` and `dovenull`), which
must reach the files: so the server's directory is one of its own under the system's temporary
directory (pytest's are private to the user), removed by stop(). The mailbox belongs to the user
that runs the tests, or to `dovecot` when that is root.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from imap_tools import MailBoxUnencrypted

USER = "kontakt@freshfoodz.example"
PASSWORD = "imap-test-secret"
DOVECOT = shutil.which("dovecot", path="/usr/sbin:/usr/bin:" + os.environ.get("PATH", "")) or ""


class Dovecot:
    def __init__(self, port: int) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="freshplan-dovecot-"))
        self.dir.chmod(0o755)
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None
        self.owner = pwd.getpwnam("dovecot") if os.geteuid() == 0 else pwd.getpwuid(os.getuid())

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def configure(self) -> Path:
        for sub in ("run", "state", "mail", "home"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        passwd = self.dir / "passwd"
        passwd.write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
        passwd.chmod(0o644)
        for sub in ("mail", "home"):
            os.chown(self.dir / sub, self.owner.pw_uid, self.owner.pw_gid)
        running_as_root = os.geteuid() == 0
        users = (
            ""
            if running_as_root
            else f"default_internal_user = {self.owner.pw_name}\n"
            f"default_login_user = {self.owner.pw_name}\n"
        )
        config = self.dir / "dovecot.conf"
        config.write_text(
            f"""
base_dir = {self.dir}/run
state_dir = {self.dir}/state
log_path = {self.dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{self.dir}/mail/%n
first_valid_uid = {self.owner.pw_uid}
first_valid_gid = {self.owner.pw_gid}
{users}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.dir}/passwd
}}
userdb {{
  driver = static
  args = uid={self.owner.pw_uid} gid={self.owner.pw_gid} home={self.dir}/home/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
""",
            encoding="utf-8",
        )
        return config

    def start(self, timeout: float = 30.0) -> None:
        config = self.configure()
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=(self.dir / "dovecot.stderr").open("wb"),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not answer on {self.port}: {self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def remove(self) -> None:
        """Stop, and remove the server's directory with its mail."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        parts = []
        for name in ("dovecot.log", "dovecot.stderr"):
            path = self.dir / name
            if path.exists():
                parts.append(path.read_text(encoding="utf-8", errors="replace")[-3000:])
        return "\n".join(parts)

    def mailbox(self) -> MailBoxUnencrypted:
        return MailBoxUnencrypted("127.0.0.1", self.port).login(USER, PASSWORD, "INBOX")

    def deliver(self, *messages: bytes, flags: tuple[str, ...] = ()) -> None:
        with self.mailbox() as box:
            for raw in messages:
                box.append(raw, "INBOX", flag_set=flags)


class CuttableProxy:
    """A TCP relay on loopback in front of the server, whose open connections a test can cut at a
    moment of its choosing (what a server restart or a network failure does to a client), while
    new connections keep being relayed."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, server: Dovecot) -> str:
        return server.url.replace(f":{server.port}/", f":{self.port}/")

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> int:
        """Reset every open connection; answers how many there were."""
        with self.lock:
            victims, self.open = self.open, []
        for sock in victims:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()  # SO_LINGER 0: an RST, as a dead peer
        self.cuts += 1
        return len(victims) // 2

    def close(self) -> None:
        self.listener.close()
        self.cut()
