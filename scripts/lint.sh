#!/usr/bin/env bash
# The lint and type gate (issue 10): ruff check and ruff format --check over the code, pyright (basic,
# pyproject.toml) over wan_desktop/, and the translation catalogs' check (issue 15). Every check runs even
# after one fails, so a single run lists all findings; the exit status is 1 when any check found something,
# 2 when the tools are missing.
# Uses the tools of a venv: .venv at the repository root (`bash scripts/venv.sh test` makes it), or another
# one named by VENV, e.g. `VENV=/work/main/.venv scripts/lint.sh` from a git worktree.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
for tool in python ruff pyright; do
  if [ ! -x "$VENV/bin/$tool" ]; then
    echo "lint: $VENV/bin/$tool is missing; run 'bash scripts/venv.sh test' or set VENV to a venv that has it" >&2
    exit 2
  fi
done
PATHS=(wan_desktop tests bench scripts)

# pyright's PyPI wrapper runs the system's node and downloads one only when there is none; say so first.
command -v node >/dev/null 2>&1 || echo "lint: no node on PATH; pyright will download one (needs network)" >&2
# ...and asks PyPI for a newer pyright on every run, to print a nag that is no finding: skip that.
export PYRIGHT_PYTHON_IGNORE_WARNINGS=1

# pyproject.toml points pyright at ./.venv; a venv elsewhere is given as the folder that holds it, or by its
# interpreter when it is not called .venv.
VENV_DIR=$(cd "$VENV" && pwd -P)  # a link to a venv counts as the venv it points at
if [ "$(basename "$VENV_DIR")" = ".venv" ]; then
  PYRIGHT_ENV=(--venvpath "$(dirname "$VENV_DIR")")
else
  PYRIGHT_ENV=(--pythonpath "$VENV/bin/python")
fi

status=0
run() {
  echo "== $*" >&2
  "$@" || status=1
}
run "$VENV/bin/ruff" check "${PATHS[@]}"
run "$VENV/bin/ruff" format --check "${PATHS[@]}"
# pyright checks the app (pyproject.toml's include); the tests' Optional-heavy asserts are not held to it yet
run "$VENV/bin/pyright" "${PYRIGHT_ENV[@]}" wan_desktop
# every string in the catalogs and translated, the compiled catalogs current (scripts/i18n.py)
run "$VENV/bin/python" scripts/i18n.py check
exit $status
