"""The handler serves a socket it inherits: systemd's LISTEN_FDS (fd 3) and the classic FastCGI fd 0."""
import os
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

from harness import bin_dir

FCGI_BEGIN, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, FCGI_END = 1, 4, 5, 6, 3


def record(kind: int, content: bytes, request_id: int = 1) -> bytes:
    return bytes([1, kind, 0, request_id, len(content) >> 8, len(content) & 255, 0, 0]) + content


def pair(name: bytes, value: bytes) -> bytes:
    return bytes([len(name), len(value)]) + name + value


def fastcgi_get(path: str, sock_path: str) -> bytes:
    """A minimal FastCGI client: one GET, returns the handler's stdout."""
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(sock_path)
        params = pair(b"REQUEST_METHOD", b"GET") + pair(b"DOCUMENT_URI", path.encode()) + pair(b"CONTENT_LENGTH", b"")
        s.sendall(record(FCGI_BEGIN, bytes([0, 1, 0, 0, 0, 0, 0, 0])) + record(FCGI_PARAMS, params)
                  + record(FCGI_PARAMS, b"") + record(FCGI_STDIN, b""))
        out = b""
        while True:
            header = s.recv(8, socket.MSG_WAITALL)
            if len(header) < 8:
                break
            length, padding = (header[4] << 8) | header[5], header[6]
            body = s.recv(length + padding, socket.MSG_WAITALL)[:length] if length + padding else b""
            if header[1] == FCGI_STDOUT:
                out += body
            if header[1] == FCGI_END:
                break
        return out


def start_with_inherited_socket(target_fd: int):
    directory = tempfile.mkdtemp(prefix="kagami-sock-")
    path = os.path.join(directory, "chat.sock")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen(16)
    fd = listener.fileno()

    env = {k: v for k, v in os.environ.items() if k != "KAGAMI_CONFIG"}
    env["KAGAMI_DB"] = os.path.join(directory, "kagami.db")
    command = [str(bin_dir() / "ChatHandler")]
    if target_fd == 3:
        # As systemd does: LISTEN_PID names the handler itself; `exec` keeps the shell's pid.
        env["LISTEN_FDS"] = "1"
        command = ["sh", "-c", 'export LISTEN_PID=$$; exec "$0"', command[0]]
    # close_fds runs after preexec_fn, so the target fd must be listed as one to keep.
    proc = subprocess.Popen(command, preexec_fn=lambda: os.dup2(fd, target_fd), pass_fds=(fd, target_fd),
                            stdin=subprocess.DEVNULL if target_fd != 0 else None,
                            stderr=open(os.path.join(directory, "handler.log"), "wb"), env=env)
    listener.close()
    proc.log_path = os.path.join(directory, "handler.log")
    return proc, path


def stop(proc):
    """SIGTERM must drain and exit 0 promptly; on failure show what the handler said."""
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = "still running 10 s after SIGTERM"
    assert code == 0, f"{code}: {Path(proc.log_path).read_text()[-2000:]}"


def test_systemd_socket_activation_on_fd_3():
    proc, path = start_with_inherited_socket(3)
    try:
        answer = fastcgi_get("/chat", path)
        assert answer.startswith(b"Status: 405")
        assert b'"code":"method_not_allowed"' in answer
    finally:
        stop(proc)


def test_classic_fastcgi_socket_on_fd_0():
    proc, path = start_with_inherited_socket(0)
    try:
        assert fastcgi_get("/nope", path).startswith(b"Status: 404")
    finally:
        stop(proc)


def test_no_socket_at_all_is_a_clear_error():
    result = subprocess.run([str(bin_dir() / "ChatHandler")], stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=10)
    assert result.returncode != 0
    assert "--socket" in result.stderr
