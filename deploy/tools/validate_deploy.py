"""Offline validation of deploy/: run by scripts/validate-deploy.sh inside the
venv it creates (deploy/tools/requirements.txt). Prints one line per check and
exits non-zero when any check fails. Nothing here contacts a cluster, a
container engine or the network.

Checks:
  helm      the chart, linted and rendered by Helm's own engine (helm-python-sdk
            = Helm v4 Go SDK in a shared library) with every ci/*-values.yaml,
            plus renders that must fail (missing secrets, bad URL);
  k8s       every rendered manifest against the Kubernetes JSON schemas (strict:
            unknown fields are errors) of the oldest supported and the newest
            bundled Kubernetes version;
  policy    what the deployment promises: replicas, probes, non-root, read-only
            root fs, the migration hook, env names the service really reads;
  compose   compose files against the Compose Specification schema, plus the
            stack's shape (2 replicas, no host port, one-shot migrate, …) and
            that .env.example defines every required variable;
  docker    hadolint on the Dockerfile; COPY sources exist and survive the
            ignore file; the context stays small;
  config    the nginx config with `nginx -t` when an nginx binary can be had
            from apt (skipped otherwise), the collector config's pipelines.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "helm" / "escalate"
WORK = DEPLOY / ".validate"
# Oldest Kubernetes the chart supports (Chart.yaml kubeVersion; the preStop
# sleep action needs 1.30) and the newest one kubernetes-validate bundles.
K8S_VERSIONS = ["1.30.0", "1.37.0"]

failures: list[str] = []
skips: list[str] = []
counts = {"ok": 0}


def ok(area: str, msg: str) -> None:
    counts["ok"] += 1
    print(f"  ok    {area:8} {msg}")


def fail(area: str, msg: str) -> None:
    msg = " | ".join(line.strip() for line in msg.splitlines() if line.strip())
    failures.append(f"{area}: {msg}")
    print(f"  FAIL  {area:8} {msg}")


def skip(area: str, msg: str) -> None:
    skips.append(f"{area}: {msg}")
    print(f"  skip  {area:8} {msg}")


def check(cond: bool, area: str, msg: str, detail: str = "") -> bool:
    if cond:
        ok(area, msg)
    else:
        fail(area, msg + (f" ({detail})" if detail else ""))
    return cond


def rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


# ---------------------------------------------------------------- settings
def service_settings() -> set[str]:
    """The environment variables the service reads: the KEYS list in
    crates/server/src/settings.rs, plus the standard OTEL_* variables."""
    src = (ROOT / "crates/server/src/settings.rs").read_text()
    # `KEYS` pairs each variable with its settings path: ("NAME", "section.field").
    m = re.search(r"const KEYS: &\[[^=]*\] = &\[(.*?)\];", src, re.S)
    if not m:
        raise SystemExit("cannot find `const KEYS` in crates/server/src/settings.rs")
    return set(re.findall(r'"([A-Z][A-Z0-9_]*)"', m.group(1)))


def known_env(name: str, keys: set[str]) -> bool:
    return name in keys or name.startswith("OTEL_")


# ---------------------------------------------------------------- helm
def render_chart(helm, values: dict) -> dict[str, str]:
    with helm.Chart.load(str(CHART)) as chart:
        return chart.render(values, name="escalate", namespace="escalate", is_install=True)


def docs_of(rendered: dict[str, str]) -> list[tuple[str, dict]]:
    out = []
    for path, text in sorted(rendered.items()):
        if path.endswith("NOTES.txt"):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                out.append((path, doc))
    return out


def check_helm(keys: set[str]) -> list[tuple[str, str, dict]]:
    import helm_python as helm

    area = "helm"
    print(f"helm chart {rel(CHART)} (Helm SDK {helm.helm_sdk_version()} via helm-python-sdk {helm.__version__})")
    value_files = sorted((CHART / "ci").glob("*-values.yaml"))
    check(len(value_files) >= 2, area, f"{len(value_files)} value sets in ci/")
    all_docs: list[tuple[str, str, dict]] = []
    for vf in value_files:
        values = yaml.safe_load(vf.read_text()) or {}
        for kv in ["v" + K8S_VERSIONS[0], "v" + K8S_VERSIONS[-1]]:
            report = helm.lint(str(CHART), values, strict=True, kube_version=kv)
            problems = [m for m in report["messages"] if m["severity"] >= 2] + [{"error": e} for e in report["errors"]]
            check(not problems, area, f"helm lint --strict --kube-version {kv} -f {vf.name}",
                  "; ".join(str(p.get("error")) for p in problems))
        try:
            rendered = render_chart(helm, values)
        except Exception as e:  # noqa: BLE001 - report any render error
            fail(area, f"render with {vf.name}: {e}")
            continue
        docs = docs_of(rendered)
        check(bool(docs), area, f"render with {vf.name}: {len(docs)} manifests "
              f"({', '.join(sorted({d['kind'] for _, d in docs}))})")
        notes = rendered.get("escalate/templates/NOTES.txt", "")
        check("tenant create" in notes, area, f"NOTES.txt renders with {vf.name}")
        all_docs += [(vf.name, path, doc) for path, doc in docs]
        check_policy(vf.name, values, docs, keys)
        cross_check_helm_cli(vf, docs)

    # Renders that must fail, with the message naming the value.
    base = yaml.safe_load((CHART / "ci/default-values.yaml").read_text())
    negative = [
        ("no values at all", {}, "is required"),
        ("no PUBLIC_BASE_URL", _drop(base, ["config", "PUBLIC_BASE_URL"]), "PUBLIC_BASE_URL is required"),
        ("PUBLIC_BASE_URL ending in /", _set(base, ["config", "PUBLIC_BASE_URL"], "https://x.example/"), "PUBLIC_BASE_URL"),
        ("a misspelt value (values.schema.json)", _set(base, ["autoscalling"], {"enabled": False}), "autoscalling"),
        ("HPA minReplicas 1 (values.schema.json)", _set(base, ["autoscaling", "minReplicas"], 1), "minReplicas"),
        ("a non-Postgres DATABASE_URL (values.schema.json)", _set(base, ["secrets", "databaseUrl"], "mysql://x/y"), "databaseUrl"),
        ("no MASTER_KEYS", _drop(base, ["secrets", "masterKeys"]), "secrets.masterKeys is required"),
        ("short OPERATOR_TOKEN", _set(base, ["secrets", "operatorToken"], "short"), "at least 24 characters"),
        ("no REDIS_URL", _drop(base, ["secrets", "redisUrl"]), "secrets.redisUrl is required"),
        ("ingress without host", _set(_set(base, ["ingress", "enabled"], True), ["ingress", "host"], ""), "ingress.host is required"),
    ]
    for label, values, expect in negative:
        try:
            render_chart(helm, values)
            fail(area, f"render refuses {label} (it rendered)")
        except Exception as e:  # noqa: BLE001
            check(expect in str(e), area, f"render refuses {label}", f"message was: {e}")
    return all_docs


def cross_check_helm_cli(vf: Path, docs) -> None:
    """When a `helm` binary is installed, its `helm template` must agree with the SDK."""
    helm_bin = shutil.which("helm")
    if not helm_bin:
        if vf.name == "default-values.yaml":
            skip("helm", "`helm template` cross-check (no helm binary; the SDK render above is Helm's engine)")
        return
    r = subprocess.run([helm_bin, "template", "escalate", str(CHART), "-n", "escalate", "-f", str(vf)],
                       capture_output=True, text=True)
    if not check(r.returncode == 0, "helm", f"helm template -f {vf.name} (helm binary)", r.stderr):
        return
    cli = sorted(json.dumps(d, sort_keys=True) for d in yaml.safe_load_all(r.stdout) if d)
    sdk = sorted(json.dumps(d, sort_keys=True) for _, d in docs)
    check(cli == sdk, "helm", f"helm binary and SDK render {vf.name} identically")


def _drop(d: dict, path: list[str]) -> dict:
    d = copy.deepcopy(d)
    cur = d
    for k in path[:-1]:
        cur = cur[k]
    cur.pop(path[-1], None)
    return d


def _set(d: dict, path: list[str], value) -> dict:
    d = copy.deepcopy(d)
    cur = d
    for k in path[:-1]:
        cur = cur.setdefault(k, {})
    cur[path[-1]] = value
    return d


def by_kind(docs, kind):
    return [d for _, d in docs if d.get("kind") == kind]


def check_policy(label: str, values: dict, docs, keys: set[str]) -> None:
    area = "policy"
    tag = f"[{label}]"
    deps = by_kind(docs, "Deployment")
    if not check(len(deps) == 1, area, f"{tag} one Deployment"):
        return
    dep = deps[0]
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    (ctr,) = [c for c in pod["containers"] if c["name"] == "escalate"]
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    if hpas:
        hpa = hpas[0]["spec"]
        check(hpas[0]["apiVersion"] == "autoscaling/v2" and hpa["minReplicas"] >= 2
              and "replicas" not in spec and hpa["scaleTargetRef"]["name"] == dep["metadata"]["name"]
              and any(m["resource"]["name"] == "cpu" for m in hpa["metrics"]),
              area, f"{tag} HPA autoscaling/v2 on CPU owns the replica count, min {hpa['minReplicas']} >= 2")
    else:
        check(spec.get("replicas", 1) >= 2, area, f"{tag} Deployment runs {spec.get('replicas', 1)} >= 2 replicas")
    ru = spec["strategy"]["rollingUpdate"]
    check(ru["maxUnavailable"] == 0, area, f"{tag} rolling update never drops below the replica count")
    probes_ok = (ctr["livenessProbe"]["httpGet"]["path"] == "/healthz"
                 and ctr["readinessProbe"]["httpGet"]["path"] == "/readyz"
                 and ctr["livenessProbe"]["httpGet"]["port"] == "http")
    check(probes_ok, area, f"{tag} liveness /healthz, readiness /readyz")
    check(ctr["ports"][0]["containerPort"] == 8080, area, f"{tag} container port 8080")
    psc, csc = pod.get("securityContext", {}), ctr.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True and isinstance(psc.get("runAsUser"), int) and psc["runAsUser"] > 0
          and csc.get("readOnlyRootFilesystem") is True and csc.get("allowPrivilegeEscalation") is False
          and csc.get("capabilities", {}).get("drop") == ["ALL"],
          area, f"{tag} non-root UID, read-only root fs, no privilege escalation, all capabilities dropped")
    check(any(m["mountPath"] == "/tmp" for m in ctr.get("volumeMounts", [])), area,
          f"{tag} writable /tmp (emptyDir) under the read-only root fs")
    res = ctr.get("resources", {})
    check("requests" in res and "cpu" in res["requests"] and "limits" in res, area,
          f"{tag} resource requests (cpu for the HPA) and limits")
    tgps = pod.get("terminationGracePeriodSeconds", 30)
    sleep = ctr.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    check(tgps >= sleep + 20, area, f"{tag} grace period {tgps}s covers preStop {sleep}s + 20s drain")

    # Settings: ConfigMap + Secret (or an existing Secret) loaded with envFrom.
    cms = {d["metadata"]["name"]: d for d in by_kind(docs, "ConfigMap")}
    secrets = {d["metadata"]["name"]: d for d in by_kind(docs, "Secret")}
    refs = ctr.get("envFrom", [])
    cm_names = [r["configMapRef"]["name"] for r in refs if "configMapRef" in r]
    sec_names = [r["secretRef"]["name"] for r in refs if "secretRef" in r]
    check(len(cm_names) == 1 and cm_names[0] in cms, area, f"{tag} env from the chart's ConfigMap")
    existing = (values.get("secrets") or {}).get("existingSecret")
    if existing:
        check(sec_names == [existing] and not any("MASTER_KEYS" in (s.get("stringData") or {}) for s in secrets.values()),
              area, f"{tag} env from the existing Secret {existing!r}; the chart renders no copy of the secrets")
    else:
        ok_sec = len(sec_names) == 1 and sec_names[0] in secrets
        check(ok_sec, area, f"{tag} env from the chart's Secret")
        if ok_sec:
            data = secrets[sec_names[0]].get("stringData", {})
            required = {"MASTER_KEYS", "OPERATOR_TOKEN", "DATABASE_URL", "REDIS_URL"}
            expected = required | ({"WEBRTC_TURN_SECRET"} if (values.get("secrets") or {}).get("turnSecret") else set())
            check(set(data) == expected, area,
                  f"{tag} Secret holds {', '.join(sorted(expected))}", str(sorted(data)))
    if cm_names and cm_names[0] in cms:
        cm = cms[cm_names[0]]["data"]
        secret_names = {"MASTER_KEYS", "OPERATOR_TOKEN", "DATABASE_URL", "REDIS_URL", "WEBRTC_TURN_SECRET"}
        check(not secret_names & set(cm), area, f"{tag} no secret in the ConfigMap")
        unknown = sorted(k for k in cm if not known_env(k, keys))
        check(not unknown, area, f"{tag} every ConfigMap key is a setting the service reads", f"unknown: {unknown}")
        check(all(v != "" for v in cm.values()), area, f"{tag} no empty setting (empty is not unset)")
        check(cm.get("LISTEN_ADDR") == "0.0.0.0:8080" and cm.get("LOG_FORMAT") == "json"
              and cm.get("TWILIO_MODE") == "real" and cm.get("TRUST_PROXY_HEADERS") == "true",
              area, f"{tag} production settings: LISTEN_ADDR 0.0.0.0:8080, json logs, real Twilio, proxy headers")
        check(cm.get("PUBLIC_BASE_URL", "").startswith("https://"), area, f"{tag} PUBLIC_BASE_URL is https")
    env_names = [e["name"] for e in ctr.get("env", [])]
    extra = [e["name"] for e in values.get("extraEnv") or []]
    check(all(n in extra or known_env(n, keys) for n in env_names), area, f"{tag} container env names are settings or extraEnv")

    # Selectors: Service and PDB select the server pods only, not the migration Job's.
    pod_labels = spec["template"]["metadata"]["labels"]
    svc = by_kind(docs, "Service")[0]
    sel = svc["spec"]["selector"]
    check(all(pod_labels.get(k) == v for k, v in sel.items()) and sel == spec["selector"]["matchLabels"], area,
          f"{tag} Service selects the Deployment's pods; named port http")
    for job in by_kind(docs, "Job"):
        jl = job["spec"]["template"]["metadata"]["labels"]
        check(not all(jl.get(k) == v for k, v in sel.items()), area, f"{tag} Service does not select the migration pods")
    pdbs = by_kind(docs, "PodDisruptionBudget")
    if (values.get("podDisruptionBudget") or {}).get("enabled", True):
        check(len(pdbs) == 1 and pdbs[0]["apiVersion"] == "policy/v1" and pdbs[0]["spec"].get("minAvailable") == 1
              and pdbs[0]["spec"]["selector"]["matchLabels"] == spec["selector"]["matchLabels"],
              area, f"{tag} PodDisruptionBudget policy/v1 minAvailable 1 on the server pods")

    # Migration hook.
    jobs = by_kind(docs, "Job")
    if check(len(jobs) == 1, area, f"{tag} one migration Job"):
        job = jobs[0]
        ann = job["metadata"].get("annotations", {})
        jc = job["spec"]["template"]["spec"]["containers"][0]
        check(ann.get("helm.sh/hook") == "pre-install,pre-upgrade" and jc.get("args") == ["migrate"]
              and job["spec"]["template"]["spec"]["restartPolicy"] == "Never",
              area, f"{tag} Job runs `escalate migrate` as a pre-install,pre-upgrade hook")
        db_ref = [e for e in jc["env"] if e["name"] == "DATABASE_URL"][0]["valueFrom"]["secretKeyRef"]["name"]
        hook_secrets = [s for s in by_kind(docs, "Secret")
                        if s["metadata"]["name"] == db_ref
                        and "pre-install" in s["metadata"].get("annotations", {}).get("helm.sh/hook", "")]
        if existing:
            check(db_ref == existing, area, f"{tag} Job reads DATABASE_URL from the existing Secret")
        else:
            weight = int(hook_secrets[0]["metadata"]["annotations"]["helm.sh/hook-weight"]) if hook_secrets else None
            check(bool(hook_secrets) and weight < int(ann.get("helm.sh/hook-weight", "0")), area,
                  f"{tag} Job's DATABASE_URL Secret is itself an earlier hook (exists at pre-install)")
        check(all(known_env(e["name"], keys) or e["name"] in extra for e in jc["env"]), area,
              f"{tag} Job env names are settings")
        check(jc.get("securityContext", {}).get("readOnlyRootFilesystem") is True, area, f"{tag} Job is locked down too")

    ings = by_kind(docs, "Ingress")
    ing_values = values.get("ingress") or {}
    if ing_values.get("enabled"):
        ing = ings[0] if ings else {}
        rule = (ing.get("spec", {}).get("rules") or [{}])[0]
        check(rule.get("host") == ing_values.get("host")
              and rule["http"]["paths"][0]["backend"]["service"]["name"] == svc["metadata"]["name"],
              area, f"{tag} Ingress routes {ing_values.get('host')} to the Service")
        if ing_values.get("tlsSecretName"):
            check(ing["spec"].get("tls", [{}])[0].get("secretName") == ing_values["tlsSecretName"], area, f"{tag} Ingress TLS")
    else:
        check(not ings, area, f"{tag} no Ingress unless enabled")


def check_k8s(docs) -> None:
    import kubernetes_validate

    area = "k8s"
    print(f"kubernetes schemas (kubernetes-validate {kubernetes_validate.__version__}, strict)")
    for version in K8S_VERSIONS:
        bad = 0
        for label, path, doc in docs:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except Exception as e:  # noqa: BLE001
                bad += 1
                msg = getattr(e, "message", str(e))
                where = "/".join(str(p) for p in getattr(e, "absolute_path", []))
                fail(area, f"{version} {label} {path} {doc.get('kind')}: {msg} at {where}")
        if not bad:
            kinds = sorted({f"{d['kind']}" for _, _, d in docs})
            ok(area, f"Kubernetes {version}: {len(docs)} manifests valid ({', '.join(kinds)})")


# ---------------------------------------------------------------- compose
INTERP = re.compile(r"\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}")


def parse_env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            env[k.strip()] = v.strip()
    return env


def interpolate(obj, env: dict[str, str], missing: set[str]):
    if isinstance(obj, dict):
        return {k: interpolate(v, env, missing) for k, v in obj.items()}
    if isinstance(obj, list):
        return [interpolate(v, env, missing) for v in obj]
    if isinstance(obj, str):
        def sub(m):
            name, op, arg = m.group(1), m.group(2), m.group(3)
            val = env.get(name)
            if op and op.endswith("?") and not val:
                missing.add(name)
                return ""
            if op and op.endswith("-") and not val:
                return arg
            return val or ""
        return INTERP.sub(sub, obj.replace("$$", "\0")).replace("\0", "$")
    return obj


def check_compose(keys: set[str]) -> None:
    area = "compose"
    base, overlay = DEPLOY / "compose.yaml", DEPLOY / "compose.twilio-sim.yaml"
    print("compose files (Compose Specification schema bundled in check-jsonschema)")
    for f in (base, overlay):
        r = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(f)],
                           capture_output=True, text=True)
        check(r.returncode == 0, area, f"{rel(f)} matches the compose-spec schema", (r.stdout + r.stderr).strip())

    raw = yaml.safe_load(base.read_text())  # PyYAML resolves anchors and << merge keys
    env_example = parse_env_file(DEPLOY / ".env.example")
    missing: set[str] = set()
    c = interpolate(raw, env_example, missing)
    check(not missing, area, "deploy/.env.example sets every required ${VAR:?…}", f"missing: {sorted(missing)}")
    svcs = c["services"]
    expected = {"postgres", "redis", "migrate", "app", "lb", "otel-collector", "jaeger"}
    check(expected <= set(svcs), area, f"services: {', '.join(sorted(svcs))}")
    app, mig = svcs["app"], svcs["migrate"]
    check(app.get("deploy", {}).get("replicas") == 2, area, "app runs 2 replicas (deploy.replicas)")
    check("ports" not in app, area, "app publishes no host port (replicas sit behind lb)")
    check(app["depends_on"].get("migrate", {}).get("condition") == "service_completed_successfully", area,
          "app starts after migrate completed successfully")
    check(mig.get("command") == ["migrate"] and mig.get("restart") == "no", area, "migrate is a one-shot `escalate migrate`")
    for s in ("postgres", "redis", "app"):
        check("healthcheck" in svcs[s], area, f"{s} has a healthcheck")
    check(app["depends_on"].get("postgres", {}).get("condition") == "service_healthy"
          and app["depends_on"].get("redis", {}).get("condition") == "service_healthy", area,
          "app waits for healthy postgres and redis")
    check(svcs["postgres"]["image"].startswith("postgres:16") and svcs["redis"]["image"].startswith("redis:7"), area,
          "PostgreSQL 16, Redis 7")
    check(all(":" in s.get("image", "") and not s["image"].endswith(":latest") for s in svcs.values()), area,
          "every image has a pinned tag (no :latest)")
    for name in ("app", "migrate"):
        b = raw["services"][name].get("build", {})
        check((base.parent / b.get("context", "") / b.get("dockerfile", "")).resolve() == (DEPLOY / "Dockerfile").resolve(),
              area, f"{name} builds deploy/Dockerfile with the repository root as context")
    env = app["environment"]
    unknown = sorted(k for k in env if not known_env(k, keys))
    check(not unknown, area, "app environment names are settings the service reads", f"unknown: {unknown}")
    check(env.get("LISTEN_ADDR") == "0.0.0.0:8080" and env.get("TRUST_PROXY_HEADERS") == "true"
          and env.get("DATABASE_URL", "").startswith("postgres://") and env.get("REDIS_URL", "").startswith("redis://")
          and env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").startswith("http://otel-collector:"), area,
          "app: 0.0.0.0:8080, PostgreSQL and Redis URLs, proxy headers, OTLP to the collector")
    check(len(env.get("OPERATOR_TOKEN", "")) >= 24 or "REPLACE" in env.get("OPERATOR_TOKEN", ""), area,
          "OPERATOR_TOKEN placeholder is long enough")
    for svc_name, s in svcs.items():
        for v in s.get("volumes", []):
            src = v.split(":")[0] if isinstance(v, str) else v.get("source", "")
            if src.startswith("./"):
                check((DEPLOY / src).exists(), area, f"{svc_name} mounts {src} (exists)")
    jaeger = svcs["jaeger"]
    check(str(jaeger.get("environment", {}).get("COLLECTOR_OTLP_ENABLED")) == "true", area, "Jaeger accepts OTLP")

    # Overlay merged over the base (the overlay only adds keys).
    ov = interpolate(yaml.safe_load(overlay.read_text()), env_example, missing)
    ov_env = ov["services"]["app"]["environment"]
    check(all(known_env(k, keys) for k in ov_env) and all(v == "http://twilio-sim:4010" for k, v in ov_env.items() if k.endswith("_BASE_URL"))
          and len([k for k in ov_env if k.endswith("_BASE_URL")]) == 6, area,
          "twilio-sim overlay points all six Twilio base URLs at the simulator")

    # The same with `docker compose config` when a compose plugin is installed.
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        with tempfile.TemporaryDirectory() as td:
            shutil.copy(DEPLOY / ".env.example", Path(td) / ".env")
            r = subprocess.run(["docker", "compose", "--project-directory", str(DEPLOY), "--env-file", str(Path(td) / ".env"),
                                "-f", str(base), "-f", str(overlay), "config", "--quiet"], capture_output=True, text=True)
            check(r.returncode == 0, area, "docker compose config accepts compose.yaml + overlay", r.stderr.strip())
    else:
        skip(area, "`docker compose config` (no compose plugin installed; the schema check above stands in)")


# ---------------------------------------------------------------- docker
def ignore_patterns(path: Path) -> list[tuple[bool, re.Pattern]]:
    pats = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        neg = line.startswith("!")
        p = line[1:] if neg else line
        p = p.strip("/")
        rx = ""
        i = 0
        while i < len(p):
            if p.startswith("**/", i):
                rx += "(?:.*/)?"
                i += 3
            elif p.startswith("**", i):
                rx += ".*"
                i += 2
            elif p[i] == "*":
                rx += "[^/]*"
                i += 1
            elif p[i] == "?":
                rx += "[^/]"
                i += 1
            else:
                rx += re.escape(p[i])
                i += 1
        pats.append((neg, re.compile(rx + r"\Z")))
    return pats


def ignored(relpath: str, pats) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent
    directories decides."""
    parts = relpath.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for neg, rx in pats:
        if any(rx.match(p) for p in prefixes):
            result = not neg
    return result


def check_docker() -> None:
    area = "docker"
    dockerfile = DEPLOY / "Dockerfile"
    print(f"Dockerfile {rel(dockerfile)}")
    hadolint = Path(sys.executable).parent / "hadolint"
    r = subprocess.run([str(hadolint), "--version"], capture_output=True, text=True)
    version = r.stdout.strip()
    r = subprocess.run([str(hadolint), "--no-color", "--failure-threshold", "warning", str(dockerfile)], capture_output=True, text=True)
    check(r.returncode == 0, area, f"hadolint ({version}): no warnings or errors", (r.stdout + r.stderr).strip())

    text = dockerfile.read_text()
    lines = [ln for ln in re.sub(r"\\\n", " ", text).splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    ignore = DEPLOY / "Dockerfile.dockerignore"
    pats = ignore_patterns(ignore)
    sources = []
    for ln in lines:
        m = re.match(r"\s*COPY\s+(?!--from)(.*)", ln)
        if m:
            args = [a for a in m.group(1).split() if not a.startswith("--")]
            sources += args[:-1]
    for src in sources:
        if src == ".":
            continue
        p = ROOT / src
        check(p.exists() and not ignored(src.rstrip("/"), pats), area, f"COPY {src}: exists and is in the build context")
    must_include = ["Cargo.toml", "Cargo.lock", "crates/server/src/main.rs", "crates/server/Cargo.toml",
                    "migration/Cargo.toml", "tests/Cargo.toml", "dashboard/templates/join.html",
                    "dashboard/assets/join.js", "dashboard/assets/vendor/twilio-video.min.js"]
    members = re.search(r"members\s*=\s*\[(.*?)\]", (ROOT / "Cargo.toml").read_text(), re.S)
    for member in re.findall(r'"([^"]+)"', members.group(1)) if members else []:
        must_include.append(f"{member}/Cargo.toml")
    bad = [p for p in must_include if not (ROOT / p).exists() or ignored(p, pats)]
    check(not bad, area, "every workspace member and the dashboard sources are in the build context", f"missing/ignored: {bad}")
    must_exclude = ["target/release/escalate", "crates/server/target/x", "dashboard/node_modules/x",
                    "dashboard/package.json", "sdk-flex-plugin/node_modules/x", "sdk-flex-plugin/build/x", ".git/HEAD",
                    "deploy/.env", "escalate.db"]
    leaked = [p for p in must_exclude if not ignored(p, pats)]
    check(not leaked, area, "target/, node_modules/, npm tooling, .git, secrets stay out of the context", f"leaked: {leaked}")

    # Size of what `docker build -f deploy/Dockerfile .` would send.
    total, nfiles = 0, 0
    neg_literals = [rx.pattern for neg, rx in pats if neg]
    for dirpath, dirnames, filenames in os.walk(ROOT):
        reldir = os.path.relpath(dirpath, ROOT)
        reldir = "" if reldir == "." else reldir
        keep = []
        for d in dirnames:
            rp = f"{reldir}/{d}" if reldir else d
            if ignored(rp, pats) and not any(p.startswith(re.escape(rp)) for p in neg_literals):
                continue
            keep.append(d)
        dirnames[:] = keep
        for f in filenames:
            rp = f"{reldir}/{f}" if reldir else f
            if not ignored(rp, pats):
                nfiles += 1
                total += os.path.getsize(os.path.join(dirpath, f))
    check(total < 50 * 2**20, area, f"build context: {nfiles} files, {total / 2**20:.1f} MiB (< 50 MiB)")

    check(re.search(r"^USER\s+\d+(:\d+)?\s*$", text, re.M) is not None, area, "runs as a numeric non-root USER")
    check('ENTRYPOINT ["escalate"]' in text and 'CMD ["serve"]' in text and re.search(r"^EXPOSE 8080$", text, re.M) is not None,
          area, 'ENTRYPOINT ["escalate"], CMD ["serve"], EXPOSE 8080')
    check("cargo build --release --locked -p escalate" in text and "--mount=type=cache" in text, area,
          "builds `-p escalate` with cargo cache mounts")
    cargo = (ROOT / "crates/server/Cargo.toml").read_text()
    check(re.search(r'^name = "escalate"', cargo, re.M) is not None and 'name = "escalate"' in cargo.split("[[bin]]")[-1],
          area, "crates/server is package `escalate` with binary `escalate`")
    manifest = json.loads((ROOT / "dashboard/assets/vendor/manifest.json").read_text())
    for name, entry in manifest.items():
        data = (ROOT / "dashboard/assets" / name).read_bytes()
        check(hashlib.sha256(data).hexdigest() == entry["sha256"], area,
              f"the embedded {name} ({entry['package']} {entry['version']}) matches its recorded checksum")
    check("DASHBOARD_DIR" not in text, area, "the image serves the binary's embedded pages (no dashboard copy)")
    node_stages = re.findall(r"^FROM node\S* AS (\S+)", text, re.M)
    check(node_stages == ["plugin"] and "npm ci" in text and "COPY --from=plugin /src/sdk-flex-plugin/build/" in text
          and "FLEX_PLUGIN_DIR=/usr/share/escalate/flex-plugin" in text and not ignored("sdk-flex-plugin/package.json", pats),
          area, "the one Node stage builds the Flex plugin (npm ci) and the image hosts it at FLEX_PLUGIN_DIR")


# ---------------------------------------------------------------- other configs
def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    local = WORK / "nginx" / "usr" / "sbin" / "nginx"
    if local.exists():
        return str(local)
    if not shutil.which("apt-get"):
        return None
    # Debian's nginx package, unpacked locally (no root, nothing installed).
    dl = WORK / "nginx-deb"
    dl.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["apt-get", "download", "nginx"], cwd=dl, capture_output=True, text=True)
    debs = sorted(dl.glob("nginx_*.deb"))
    if r.returncode != 0 or not debs:
        return None
    subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(WORK / "nginx")], check=True)
    return str(local) if local.exists() else None


def check_configs() -> None:
    area = "config"
    print("nginx and OpenTelemetry collector configs")
    nginx = nginx_binary()
    if nginx:
        with tempfile.TemporaryDirectory() as td:
            t = Path(td)
            (t / "logs").mkdir()
            shutil.copy(DEPLOY / "nginx.conf", t / "default.conf")
            (t / "nginx.conf").write_text(
                f"pid {t}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n"
                + "".join(f"  {d}_temp_path {t}/{d};\n" for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
                + f"  access_log off;\n  include {t}/default.conf;\n}}\n")
            r = subprocess.run([nginx, "-t", "-p", str(t), "-c", str(t / "nginx.conf"), "-e", "stderr"],
                               capture_output=True, text=True)
            v = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip()
            check(r.returncode == 0, area, f"nginx -t accepts deploy/nginx.conf ({v})", r.stderr.strip())
    else:
        skip(area, "nginx -t (no nginx binary and `apt-get download nginx` unavailable)")

    col = yaml.safe_load((DEPLOY / "otel-collector.yaml").read_text())
    defined = {k: set(col.get(k) or {}) for k in ("receivers", "processors", "exporters", "extensions")}
    problems = []
    for name, p in col["service"]["pipelines"].items():
        for kind in ("receivers", "processors", "exporters"):
            problems += [f"{name}.{kind}.{c}" for c in p.get(kind, []) if c not in defined[kind]]
    problems += [f"extensions.{e}" for e in col["service"].get("extensions", []) if e not in defined["extensions"]]
    check(not problems, area, "collector pipelines only use defined components", f"undefined: {problems}")
    traces = col["service"]["pipelines"]["traces"]
    check("otlp" in traces["receivers"] and any(e.startswith("otlp") for e in traces["exporters"])
          and "jaeger:4317" in json.dumps(col["exporters"]), area, "traces: OTLP in, OTLP out to jaeger:4317")


def main() -> int:
    start = time.monotonic()
    WORK.mkdir(parents=True, exist_ok=True)
    keys = service_settings()
    print(f"service settings from crates/server/src/settings.rs: {len(keys)} variables (+ OTEL_*)")
    docs = check_helm(keys)
    check_k8s(docs)
    check_compose(keys)
    check_docker()
    check_configs()
    took = time.monotonic() - start
    print()
    print(f"summary: {counts['ok']} passed, {len(failures)} failed, {len(skips)} skipped ({took:.1f}s)")
    for f in failures:
        print(f"  failed: {f}")
    for s in skips:
        print(f"  skipped: {s}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
