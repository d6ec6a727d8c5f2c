#!/usr/bin/env bash
# run-tests.sh - the project's single test command (README, .ci/run).
#
# From a clean clone: creates .venv if missing, installs the package with its pinned dev extras,
# installs the pinned Salesforce toolchain (tools/sf/sf-validate.sh --install-only, cached in
# $SF_TOOLS_DIR, default ~/.cache/scaffold-sf-tools), then runs ruff, mypy and pytest.
# pytest's summary is the last line printed; the exit status is non-zero if any step failed.
#
# Usage: tools/run-tests.sh [PYTEST_ARGS...]
# Environment:
#   PYTHON            interpreter used to create .venv (default python3)
#   PYTEST_WORKERS    pytest-xdist workers (default 2; 0 runs in one process)
#   SCAFFOLD_TOOLING  0 skips the toolchain install and the tests marked `tooling`
#   SF_TOOLS_DIR      toolchain cache (see tools/sf/sf-validate.sh)
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT="$(pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
TOOLING_STAGES="metadata,apex-syntax,apex-jorje,apex-semantic,lwc-compile,lwc-lint,lwc-jest,prettier,coverage-static,code-analyzer,npm-project"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
T0=$SECONDS
status=0

step() { printf '\n=== %s (%ss elapsed)\n' "$*" "$((SECONDS - T0))"; }
fail() { printf '!!! %s\n' "$*"; status=1; }

cat <<EOF
scaffold's test suite. What it installs (each step is skipped when already done):
  - $VENV: the package and its pinned dev tools, from PyPI (about 200 MB)
  - ${SF_TOOLS_DIR:-\$HOME/.cache/scaffold-sf-tools}: the pinned Salesforce toolchain, from the npm
    registry (about 1.9 GB with npm's download cache; 1 to 5 minutes the first time)
  - Debian packages for the key-format tests (putty-tools, gnupg, ...), with apt-get, only when
    missing and running as root; otherwise those tests skip and say why
Then ruff, mypy, pre-commit and pytest. A first run takes 5 to 15 minutes on 2 cores, a later
one about 4; SCAFFOLD_TOOLING=0 skips the Salesforce toolchain and its tests (about 2 minutes).
EOF

step "python environment ($VENV)"
if [ ! -x "$PY" ]; then
  "${PYTHON:-python3}" -m venv "$VENV" || { echo "cannot create $VENV with ${PYTHON:-python3} -m venv"; exit 2; }
fi
# reinstall only when the project metadata changed (the stamp is the hash of pyproject.toml)
stamp="$(sha256sum pyproject.toml | cut -c1-16)"
if [ "$(cat "$VENV/.scaffold-dev-stamp" 2>/dev/null)" != "$stamp" ] || ! "$PY" -c 'import generator, pytest, xdist' 2>/dev/null; then
  if "$PY" -m pip install -q -e '.[dev]'; then echo "$stamp" >"$VENV/.scaffold-dev-stamp"
  else echo "pip install -e '.[dev]' failed"; exit 2; fi
else
  echo "up to date (pyproject.toml unchanged)"
fi

step "key-format tools for the lint corpus (puttygen, gpg, ssh-keygen, keytool, zip)"
# The lint tests generate keys at test time; these formats need the real tools. Missing ones are
# installed from Debian when we may (root + apt-get); otherwise those tests skip with a reason.
missing=()
for pair in puttygen:putty-tools gpg:gnupg ssh-keygen:openssh-client keytool:openjdk-17-jre-headless zip:zip; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} = 0 ]; then
  echo "all present"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} with apt-get (running as root; Debian's packages)"
  if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/dev/null 2>&1; then
    echo "installed ${missing[*]}"
  else
    echo "could not install ${missing[*]}: the tests that need them will skip"
  fi
else
  echo "missing ${missing[*]} (not root or no apt-get): the tests that need them will skip"
fi

marker=()
if [ "${SCAFFOLD_TOOLING:-1}" = 0 ]; then
  marker=(-m "not tooling")
else
  step "Salesforce toolchain (tools/sf/sf-validate.sh --install-only)"
  bash tools/sf/sf-validate.sh --install-only --stages "$TOOLING_STAGES" 2>&1 ||
    fail "toolchain installation failed; the tooling tests will report it"
fi

step "ruff check"
"$VENV/bin/ruff" check . || fail "ruff check failed"

step "mypy"
"$VENV/bin/mypy" || fail "mypy failed"

step "pre-commit run --all-files (scaffold-lint on this repository, ruff, mypy)"
if git rev-parse --git-dir >/dev/null 2>&1; then
  PATH="$VENV/bin:$PATH" "$VENV/bin/pre-commit" run --all-files --show-diff-on-failure ||
    fail "pre-commit run --all-files failed"
else
  echo "not a git checkout: skipped"
fi

workers=()
if [ "${PYTEST_WORKERS:-2}" != 0 ]; then workers=(-n "${PYTEST_WORKERS:-2}"); fi
step "pytest (ruff/mypy status: $([ $status = 0 ] && echo ok || echo FAILED, see above))"
"$VENV/bin/pytest" "${workers[@]}" "${marker[@]}" --durations=10 "$@" || status=1
exit "$status"
