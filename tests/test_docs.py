"""The documentation against the code: the quick start run in a fresh project, the
install lines against the package's metadata, and the settings and checks
references against ``conf.DEFAULTS`` and the check ids in the source.

Snippets a user pastes are MyST ``{code-block}`` directives with a ``:class:``
saying what to do with them:

* ``paste-install``: ``pip install`` / ``git clone`` lines, checked against the
  package's name, extras and repository URL (not run: the package is installed);
* ``paste-console``: commands, run one by one in the project;
* ``paste-append``: added at the end of the file named first in ``:caption:``;
* ``paste-file``: the whole file named first in ``:caption:``;
* ``paste-shell``: run with ``manage.py shell -c``; a line ending in
  ``# expected output`` must print that output.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from django_turkeysms.conf import DEFAULTS
from tests.conftest import ROOT

DOCS = ROOT / "docs"
PACKAGE = ROOT / "django_turkeysms"
KINDS = {"paste-install", "paste-console", "paste-append", "paste-file", "paste-shell"}
DIRECTIVE = re.compile(
    r"^```\{code-block\} (?P<language>\w+)\n"
    r"(?P<options>(?::\w+:[^\n]*\n)*)\n?"
    r"(?P<body>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)
#: The pages whose install lines are checked against the package's extras.
INSTALL_PAGES = (
    "quickstart.md",
    "installation.md",
    "allauth.md",
    "two-factor.md",
    "django-otp.md",
)
# The quick start's user types this number; the sandbox records it like this.
PHONE, NUMBER = "0532 123 45 67", "905321234567"


@dataclass(frozen=True)
class Snippet:
    page: str
    kind: str
    caption: str
    body: str

    @property
    def path(self) -> str:
        """The file a snippet goes into: the caption's first word."""
        return self.caption.split()[0]


def snippets(page: str) -> list[Snippet]:
    """The marked snippets of ``docs/<page>``, in page order."""
    found = []
    for block in DIRECTIVE.finditer((DOCS / page).read_text(encoding="utf-8")):
        options = dict(re.findall(r"^:(\w+): (.*)$", block["options"], re.MULTILINE))
        kind = options.get("class", "")
        if kind.startswith("paste-"):
            assert kind in KINDS, f"{page}: unknown snippet class {kind!r}"
            found.append(Snippet(page, kind, options.get("caption", ""), block["body"]))
    return found


# -- install lines ------------------------------------------------------------------


def install_lines() -> list[str]:
    return [
        line
        for page in INSTALL_PAGES
        for snippet in snippets(page)
        if snippet.kind == "paste-install"
        for line in snippet.body.splitlines()
        if line.strip()
    ]


def test_install_lines_name_the_package_its_extras_and_its_repository():
    package = metadata.metadata("django-turkeysms")
    extras = set(package.get_all("Provides-Extra") or [])
    urls = dict(url.split(", ", 1) for url in package.get_all("Project-URL") or [])
    repository = f"{urls['Source']}.git"
    lines = install_lines()
    assert len(lines) >= 6
    for line in lines:
        words = shlex.split(line)
        if words[:2] == ["git", "clone"]:
            assert words[2:] == [repository]
            continue
        assert words[:4] == ["python", "-m", "pip", "install"], line
        *flags, target = words[4:]
        if flags == ["-e"]:  # a checkout: ./<directory>[extras]
            directory, _, extra_list = target.partition("[")
            assert directory == f"./{repository.rsplit('/', 1)[1].removesuffix('.git')}"
            requirement = Requirement(f"django-turkeysms[{extra_list}")
        else:
            assert flags == [], line
            requirement = Requirement(target)
            assert requirement.url in (None, f"git+{repository}")
        assert requirement.name == package["Name"]
        assert requirement.extras <= extras, f"{line}: extras {extras}"


# -- the quick start in a fresh project -------------------------------------------------


def project_environment(sandbox_url: str) -> dict[str, str]:
    """The environment of a user's shell: nothing of this test run's Django."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DJANGO_SETTINGS_MODULE", "PYTHONPATH"}
        and not name.startswith("TURKEYSMS_")
    }
    env["TURKEYSMS_SANDBOX_URL"] = sandbox_url
    # createsuperuser asks for a password; the test answers through the environment.
    env["DJANGO_SUPERUSER_PASSWORD"] = "quick-start-password-9"
    return env


def run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603 - this interpreter, our own arguments
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, (
        f"{shlex.join(args)} failed in {cwd}:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def command(line: str) -> list[str]:
    """A documented command, run with this test's interpreter."""
    program, *arguments = shlex.split(line, comments=True)
    if arguments[:2] == ["manage.py", "createsuperuser"]:
        arguments.append("--noinput")  # the password comes from the environment
    if program == "python":
        return [sys.executable, *arguments]
    if program == "django-admin":
        return [sys.executable, "-m", "django", *arguments]
    raise AssertionError(f"the docs test cannot run {line!r}")


class Project:
    """A directory where the quick start's snippets are applied, in order."""

    def __init__(self, directory: Path, env: dict[str, str]):
        self.cwd, self.env = directory, env
        self.outputs: list[str] = []

    def apply(self, snippet: Snippet) -> None:
        getattr(self, snippet.kind.replace("-", "_"))(snippet)

    def paste_install(self, snippet: Snippet) -> None:
        """Checked by the test above; the package is installed already."""

    def paste_console(self, snippet: Snippet) -> None:
        for line in filter(str.strip, snippet.body.splitlines()):
            if line.startswith("cd "):
                self.cwd = self.cwd / line.removeprefix("cd ").strip()
            else:
                self.outputs.append(run(command(line), self.cwd, self.env))

    def paste_append(self, snippet: Snippet) -> None:
        with (self.cwd / snippet.path).open("a", encoding="utf-8") as file:
            file.write("\n" + snippet.body)

    def paste_file(self, snippet: Snippet) -> None:
        (self.cwd / snippet.path).write_text(snippet.body, encoding="utf-8")

    def paste_shell(self, snippet: Snippet) -> None:
        shell = [sys.executable, "manage.py", "shell", "-c", snippet.body]
        output = run(shell, self.cwd, self.env)
        for expected in re.findall(r"^print\(.*\)  # (.+)$", snippet.body, re.M):
            assert expected in output, f"{snippet.body}\nprinted {output!r}"


def test_the_quick_start_works_in_a_fresh_project(tmp_path, turkeysms_sandbox):
    project = Project(tmp_path, project_environment(turkeysms_sandbox.base_url))
    for snippet in snippets("quickstart.md"):
        project.apply(snippet)

    assert project.cwd != tmp_path, "the quick start never entered its project"
    assert any("System check identified no issues" in out for out in project.outputs)
    for line in console_lines():
        words = shlex.split(line, comments=True)
        if "turkeysms_send" in words:
            text = words[words.index("--text") + 1]
            assert turkeysms_sandbox.sends_for(NUMBER, text) == 1, text

    env = {
        **project.env,
        "PYTHONPATH": str(project.cwd),
        "DJANGO_SETTINGS_MODULE": f"{project.cwd.name}.settings",
    }
    driver = [sys.executable, str(ROOT / "tests" / "quickstart_login.py")]
    args = [turkeysms_sandbox.base_url, PHONE, NUMBER]
    report = json.loads(run([*driver, *args], project.cwd, env))

    assert report["ask_status"] == 302
    assert report["confirm_status"] == 302, "the code from the sandbox was refused"
    assert report["landing"] == report["expected_landing"]  # LOGIN_REDIRECT_URL
    assert report["landing_status"] == 200
    assert report["user"] == "admin"
    assert report["admin"] == {
        "send log": 200,
        "compose": 200,
        "dashboard": 200,
        "verified phones": 200,
        "send log detail": 200,
    }


def console_lines() -> list[str]:
    """The quick start's commands."""
    return [
        line
        for snippet in snippets("quickstart.md")
        if snippet.kind == "paste-console"
        for line in snippet.body.splitlines()
    ]


def test_the_quick_start_marks_every_step():
    kinds = [snippet.kind for snippet in snippets("quickstart.md")]
    assert kinds.count("paste-install") == 1
    assert kinds.count("paste-append") == 1
    assert kinds.count("paste-file") == 1
    assert kinds.count("paste-shell") >= 1
    commands = " ".join(console_lines())
    for step in (
        "startproject",
        "migrate",
        "check",
        "createsuperuser",
        "turkeysms_send",
    ):
        assert step in commands


# -- references that cannot drift -------------------------------------------------------

SETTING = re.compile(
    r"^### `(?P<key>[A-Z_]+)`\n\n"
    r"\*\*Type:\*\* (?P<type>.+?) · \*\*Default:\*\* `(?P<default>.+)`$",
    re.MULTILINE,
)


def documented_settings() -> dict[str, tuple[str, object]]:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    return {
        match["key"]: (match["type"], ast.literal_eval(match["default"]))
        for match in SETTING.finditer(text)
    }


def test_every_setting_is_documented_with_its_type_and_default():
    documented = documented_settings()
    headings = re.findall(
        r"^### `(\w+)`", (DOCS / "settings.md").read_text(encoding="utf-8"), re.M
    )
    assert len(headings) == len(documented), "a heading without its Type/Default line"
    assert sorted(documented) == sorted(DEFAULTS)
    for key, (kind, default) in documented.items():
        assert default == DEFAULTS[key], f"{key}: the docs say {default!r}"
        assert kind.startswith("`"), key


def check_ids_in_source() -> set[str]:
    pattern = re.compile(r"""["'](django_turkeysms\.[EWI]\d{3})["']""")
    return {
        check_id
        for path in PACKAGE.rglob("*.py")
        for check_id in pattern.findall(path.read_text(encoding="utf-8"))
    }


def test_every_check_id_is_documented_and_every_documented_id_exists():
    text = (DOCS / "checks.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(django_turkeysms\.[EWI]\d{3})` \|", text, re.M))
    retired = set(re.findall(r"^`(django_turkeysms\.[EWI]\d{3})`\n: ", text, re.M))
    in_source = check_ids_in_source()
    assert len(in_source) >= 14
    assert documented == in_source
    assert not retired & in_source


@pytest.mark.parametrize("page", sorted(path.name for path in DOCS.glob("*.md")))
def test_every_page_is_in_a_table_of_contents(page):
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    assert page == "index.md" or f"\n{page.removesuffix('.md')}\n" in index
