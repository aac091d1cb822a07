"""`make demo`'s own parts (devserver.runner): the fake GitHub it starts, what it says about the
demo list (names that exist and names deleted on purpose), and the `export` line that points a
terminal's `runscan` at it."""

from __future__ import annotations

import json
import urllib.request
from types import SimpleNamespace

from devserver import runner


def test_the_demo_github_says_how_many_repositories_it_knows_and_writes_the_export_line(tmp_path, capsys):
    supervisor = runner.Supervisor()
    try:
        env = runner.start_demo_github(supervisor, SimpleNamespace(VAR_DIR=tmp_path), 50)
        said = capsys.readouterr().out

        listed = (tmp_path / "demo" / "import.txt").read_text().split()
        known = json.loads((tmp_path / "demo" / "catalog.json").read_text())["repositories"]
        assert len(listed) == 50
        assert 0 < len(known) < 50
        assert (f"with {len(known)} repositories; the demo list names 50: the other {50 - len(known)} "
                "were deleted on purpose and scan as not found") in said

        line = (tmp_path / "demo" / "env").read_text().strip()
        assert line == f"export GITHUB_API_URL={env['GITHUB_API_URL']} GITHUB_TOKEN={env['GITHUB_TOKEN']}"
        assert env["GITHUB_API_URL"].startswith("http://127.0.0.1:")

        request = urllib.request.Request(f"{env['GITHUB_API_URL']}/repos/{known[0]['full_name']}",
                                         headers={"Authorization": f"token {env['GITHUB_TOKEN']}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
            assert json.loads(answer.read())["id"] == known[0]["id"]
    finally:
        supervisor.stop_all()


def test_the_export_line_stands_alone_so_it_can_be_pasted(capsys):
    runner.say_demo_export({"GITHUB_API_URL": "http://127.0.0.1:4321", "GITHUB_TOKEN": "demo-token"})

    lines = capsys.readouterr().out.splitlines()
    assert "    export GITHUB_API_URL=http://127.0.0.1:4321 GITHUB_TOKEN=demo-token" in lines
    assert "    .venv/bin/python manage.py runscan --label demo" in lines
