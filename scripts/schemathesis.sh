#!/usr/bin/env bash
# schemathesis over every operation of the running service: the debug binary
# is started in a scratch folder (embedded SQLite, the simulator in process)
# with a fresh tenant, and schemathesis (from PyPI, in a virtual environment
# this script makes) runs every check against its OpenAPI document, as the
# tenant's admin API key. A bounded run: a fixed seed and a fixed number of
# examples per operation. Prints one `test result:` line for scripts/test.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/target/schemathesis-venv"
version=4.32.5
examples=${SCHEMATHESIS_EXAMPLES:-30}

if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$version"
fi
# With the workspace's features, as the test build has them: the libraries
# built here serve `cargo test --workspace` too (`-p escalate` alone resolves
# other features, and everything above reqwest would be compiled twice).
(cd "$root" && cargo build -q --workspace --bin escalate)

work=$(mktemp -d)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
operator="operator-$(python3 -c 'import secrets;print(secrets.token_hex(16))')"
(cd "$work" && exec env -i PATH="$PATH" HOME="$work" LISTEN_ADDR="127.0.0.1:$port" PUBLIC_BASE_URL="$base" \
  OPERATOR_TOKEN="$operator" LOG_LEVEL=warn "$root/target/debug/escalate" serve >"$work/service.log" 2>&1) &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 150); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
if ! curl -fs "$base/healthz" >/dev/null 2>&1; then
  echo "the service did not start:"; cat "$work/service.log"
  echo "test result: FAILED. 0 passed; 1 failed; (schemathesis: no service)"
  exit 1
fi

# A fresh tenant, its admin signed in, an admin API key.
email="admin-$port@schemathesis.example"
created=$(curl -fs "$base/v1/platform/tenants" -H "Authorization: Bearer $operator" \
  -H 'content-type: application/json' -d "{\"name\":\"Schemathesis $port\",\"admin_email\":\"$email\"}")
password=$(printf '%s' "$created" | python3 -c 'import json,sys;print(json.load(sys.stdin)["initial_password"])')
jar="$work/cookies"
login=$(curl -fs -c "$jar" "$base/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}")
csrf=$(printf '%s' "$login" | python3 -c 'import json,sys;print(json.load(sys.stdin)["csrf_token"])')
key=$(curl -fs -b "$jar" "$base/v1/api-keys" -H "X-CSRF-Token: $csrf" -H 'content-type: application/json' \
  -d '{"name":"schemathesis","scopes":["admin"]}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')

# Every check, positive_data_acceptance included: the document states every
# rule on a value the service enforces; the few it cannot state are named,
# operation by operation, in scripts/schemathesis.toml. NUL characters are
# left out of generated strings: the service refuses them (422 naming the
# field), which tests/api/hardening.rs checks on its own.
run() {
  "$venv/bin/schemathesis" --config-file "$root/scripts/schemathesis.toml" run "$base/openapi.json" \
    --header "Authorization: Bearer $key" \
    --checks all \
    --generation-allow-x00 false \
    --seed 20261202 \
    --workers 2 \
    --generation-database none \
    --no-color \
    "$@"
}
set +e
# Revoking keys last: the run's own key is among those a stateful test finds.
{
  run --max-examples "$examples" --exclude-operation-id revokeApiKey && run --max-examples 5 --include-operation-id revokeApiKey
} 2>&1 | tee "$work/run.log"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -eq 0 ]; then
  echo "test result: ok. 1 passed; 0 failed; (schemathesis, every operation, all checks)"
else
  echo "service log (last lines):"; tail -n 20 "$work/service.log"
  echo "test result: FAILED. 0 passed; 1 failed; (schemathesis)"
fi
