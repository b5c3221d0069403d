"""SiteGen against real processes: --watch regenerating what nginx serves, cache headers, a dead backend,
--check on bad configurations and templates, and the served page's HTML structure."""
import gzip
import html.parser
import json
import re
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from harness import ROOT, Stack, config_for, free_port, wait_until

ROUTES = [
    {"path": "/chat", "model": "echo", "label": "Echo"},
    {"path": "/granite", "model": "granite3.2:2b", "label": "Granite", "on_missing_model": "fail"},
]


def sitegen(stack_or_bin, *args, config=None, timeout=30):
    binary = (stack_or_bin.bin if isinstance(stack_or_bin, Stack) else stack_or_bin) / "SiteGen"
    command = [str(binary), *args]
    if config is not None:
        command += ["--config", str(config)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


class LineReader:
    """Reads a child's stdout lines without blocking past a deadline."""

    def __init__(self, proc):
        self.proc, self.lines, self._buffer = proc, [], b""

    def wait_for(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if re.search(pattern, line):
                    return line
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                chunk = self.proc.stdout.read1(65536) if hasattr(self.proc.stdout, "read1") else b""
                if not chunk:
                    break
                self._buffer += chunk
                *complete, self._buffer = self._buffer.split(b"\n")
                self.lines += [c.decode() for c in complete]
        raise AssertionError(f"no line matching {pattern!r} within {timeout}s; got:\n" + "\n".join(self.lines))


@pytest.fixture(scope="module")
def stack(fake_backend):
    fake_backend.control("POST", "/_control/models", {"models": ["echo"]})
    s = Stack(config_for(fake_backend.url, routes=ROUTES))
    yield s
    s.stop()


def page(stack) -> str:
    status, headers, body = stack.request("GET", "/")
    assert status == 200, body
    return body.decode()


def start_watch(stack, *extra):
    proc = subprocess.Popen(
        [str(stack.bin / "SiteGen"), "--config", str(stack.config_path), "--out", str(stack.home / "site"),
         "--run-dir", str(stack.home / "run"), "--templates", str(ROOT / "templates"), "--watch", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return proc, LineReader(proc)


def test_first_generation_used_the_live_model_list(stack):
    assert "backend default: serves echo" in stack.sitegen_output.stdout
    html = page(stack)
    assert '<option value="/chat">Echo</option>' in html
    assert '<option value="/granite" disabled>Granite — unavailable: granite3.2:2b is not installed</option>' in html


def test_watch_regenerates_when_the_model_list_changes(stack, fake_backend):
    proc, out = start_watch(stack, "--interval", "0.2")
    try:
        out.wait_for("watching the model lists", 10)
        fake_backend.control("POST", "/_control/models", {"models": ["echo", "granite3.2:2b"]})
        out.wait_for(r"backend default: added granite3\.2:2b", 10)
        wait_until(lambda: '<option value="/granite">Granite</option>' in page(stack), 10, "regenerated page")
        out.wait_for(r"public/index\.html changed", 5)

        fake_backend.control("POST", "/_control/models", {"models": ["granite3.2:2b"]})
        out.wait_for(r"backend default: removed echo", 10)
        wait_until(lambda: '<option value="/chat">Echo — served by granite3.2:2b</option>' in page(stack), 10,
                   "substitution note")
        # While the list stays the same nothing is regenerated, though it is polled every 0.2 s.
        with pytest.raises(AssertionError):
            out.wait_for("never printed", 0.3)  # drains output up to now
        count = len(out.lines)
        with pytest.raises(AssertionError):
            out.wait_for("never printed", 1.0)
        assert len(out.lines) == count, out.lines[count:]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        fake_backend.control("POST", "/_control/models", {"models": ["echo"]})


def test_page_is_revalidated_and_assets_are_immutable(stack):
    status, headers, body = stack.request("GET", "/", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert headers["cache-control"] == "no-cache"
    assert headers.get("content-encoding") == "gzip"
    html = gzip.decompress(body).decode()
    assets = re.findall(r'(?:href|src)="(/assets/[^"]+)"', html)
    assert {Path(a).suffix for a in assets} == {".css", ".js"}
    for asset in assets:
        assert re.fullmatch(r"/assets/[a-z]+\.[0-9a-f]{12}\.(css|js)", asset)
        status, headers, body = stack.request("GET", asset, headers={"Accept-Encoding": "gzip"})
        assert status == 200, asset
        assert headers["cache-control"] == "public, max-age=31536000, immutable"
        assert headers.get("content-encoding") == "gzip"
    assert stack.request("GET", "/assets/nope.0123456789ab.js")[0] == 404


def test_site_is_published_through_an_atomic_current_link(stack):
    current = stack.home / "site" / "current"
    assert current.is_symlink() and str(current.readlink()).startswith("releases/")
    assert not list((stack.home / "site").glob(".staging-*"))


def test_dead_backend_generates_from_config_with_a_warning(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(config_for(f"http://127.0.0.1:{free_port()}", routes=ROUTES)))
    result = sitegen(_bin(), "--out", str(tmp_path / "site"), "--templates", str(ROOT / "templates"), config=config)
    assert result.returncode == 0, result.stderr
    assert "warning: backend default did not answer" in result.stderr
    html = (tmp_path / "site" / "current" / "public" / "index.html").read_text()
    assert '<option value="/chat">Echo — model server did not answer when this page was built</option>' in html


def test_watch_backs_off_while_a_backend_is_down(tmp_path):
    port = free_port()
    config = tmp_path / "config.json"
    config.write_text(json.dumps(config_for(f"http://127.0.0.1:{port}", routes=ROUTES)))
    proc = subprocess.Popen(
        [str(_bin() / "SiteGen"), "--config", str(config), "--out", str(tmp_path / "site"), "--templates",
         str(ROOT / "templates"), "--watch", "--interval", "0.1", "--max-backoff", "0.4"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = LineReader(proc)
    try:
        # The first generation already failed once, so the watch starts at 0.2 s, doubles to the 0.4 s cap.
        out.wait_for(r"next try in 0\.4 s", 5)
        with pytest.raises(AssertionError):
            out.wait_for("never printed", 0.1)  # drains output up to now
        before = len(out.lines)
        with pytest.raises(AssertionError):
            out.wait_for("never printed", 2.0)
        delays = [float(m.group(1)) for line in out.lines if (m := re.search(r"next try in ([0-9.]+) s", line))]
        assert set(delays) == {0.4}
        assert 3 <= len(out.lines) - before <= 6  # about every 0.4 s in 2 s, not every 0.1 s
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _bin():
    from harness import bin_dir
    return bin_dir()


@pytest.mark.parametrize("mutate, key", [
    (lambda c: c.update(colour="blue"), "colour: unknown key"),
    (lambda c: c["routes"][0].update(max_tokens="many"), "routes[0].max_tokens: expected an integer"),
    (lambda c: c["routes"].append(dict(c["routes"][0])), "routes[2].path: \"/chat\" is already routes[0].path"),
    (lambda c: c["routes"][0].update(path="/chat/../x"), "routes[0].path: must not contain //, /./ or /../"),
    (lambda c: c["backends"]["default"].update(url="http//nope"), "backends.default.url: \"http//nope\" is not"),
])
def test_check_names_the_bad_key(tmp_path, mutate, key):
    config = config_for("http://127.0.0.1:1", routes=[dict(r) for r in ROUTES])
    mutate(config)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(config))
    for args in (["--check"], ["--offline", "--out", str(tmp_path / "site")]):
        result = sitegen(_bin(), *args, "--templates", str(ROOT / "templates"), config=path)
        assert result.returncode == 2, result
        assert key in result.stderr, result.stderr
    assert not (tmp_path / "site").exists()


def test_check_reports_template_errors_with_file_and_line(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    lines = (templates / "index.html").read_text().splitlines()
    lines.insert(5, "{% if site.title %}")
    (templates / "index.html").write_text("\n".join(lines) + "\n")
    (templates / "_picker.html").write_text((templates / "_picker.html").read_text() + "{{ route.label\n")
    picker_lines = len((templates / "_picker.html").read_text().splitlines())
    result = sitegen(_bin(), "--check", "--templates", str(templates))
    assert result.returncode == 1
    assert "index.html:6: {% if %} is never closed: add {% endif %}" in result.stderr
    assert f"_picker.html:{picker_lines}: unclosed {{{{" in result.stderr


def test_check_reports_unknown_variables(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "index.html").write_text((templates / "index.html").read_text().replace(
        "{{ site.title }}</title>", "{{ site.titel }}</title>"))
    result = sitegen(_bin(), "--check", "--templates", str(templates))
    assert result.returncode == 1
    assert re.search(r"index\.html:8: \"site\" has no key \"titel\"", result.stderr), result.stderr


def test_check_accepts_the_default_config():
    result = sitegen(_bin(), "--check", "--templates", str(ROOT / "templates"),
                     config=ROOT / "config" / "kagami.json")
    assert result.returncode == 0, result.stderr
    assert "configuration OK" in result.stdout and "templates OK" in result.stdout


def test_help_describes_every_option():
    result = sitegen(_bin(), "--help")
    assert result.returncode == 0
    for option in ("--config", "--templates", "--out", "--offline", "--check", "--watch", "--interval",
                   "--max-backoff"):
        assert option in result.stdout


# --- HTML structure ------------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StructureChecker(html.parser.HTMLParser):
    """Checks what a validator would: nesting, unique ids, labels and aria references pointing at real ids."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.ids, self.references, self.problems, self.doctype = [], [], [], [], None
        self.labelled = set()

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label" and "for" in attrs:
            self.labelled.add(attrs["for"])
        for name in ("for", "aria-describedby", "aria-labelledby"):
            if name in attrs:
                self.references += attrs[name].split()
        if tag not in VOID:
            self.stack.append((tag, self.getpos()[0]))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            self.problems.append(f"line {self.getpos()[0]}: </{tag}> does not close {self.stack[-1:]}")
        else:
            self.stack.pop()


def test_served_page_has_valid_structure(stack):
    html = page(stack)
    checker = StructureChecker()
    checker.feed(html)
    checker.close()
    assert checker.doctype.lower() == "doctype html"
    assert not checker.problems and not checker.stack, (checker.problems, checker.stack)
    assert len(checker.ids) == len(set(checker.ids)), "duplicate ids"
    assert set(checker.references) <= set(checker.ids)
    for control in re.findall(r'<(?:select|textarea|input)[^>]*\bid="([^"]+)"', html):
        assert control in checker.labelled, f"#{control} has no <label>"
    assert re.search(r'<html lang="(en|ja)">', html)
    assert '<meta name="viewport"' in html
    data = re.search(r'<script type="application/json" id="kagami-data">(.*?)</script>', html, re.S).group(1)
    assert json.loads(data)["routes"][0]["path"] == "/chat"
