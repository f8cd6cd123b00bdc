{{/* Chart name, truncated to the 63 characters a label allows. */}}
{{- define "escalate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name, plus the chart name unless it already contains it. */}}
{{- define "escalate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "escalate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "escalate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "escalate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The service's pods (the migration Job's pods carry component=migration instead). */}}
{{- define "escalate.serverSelectorLabels" -}}
{{ include "escalate.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{- define "escalate.labels" -}}
helm.sh/chart: {{ include "escalate.chart" . }}
{{ include "escalate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: escalate
{{- end }}

{{- define "escalate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "escalate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository:tag, or repository@digest when a digest is pinned. */}}
{{- define "escalate.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* The Secret the pods read MASTER_KEYS, OPERATOR_TOKEN, DATABASE_URL and REDIS_URL from. */}}
{{- define "escalate.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- include "escalate.fullname" . }}
{{- end }}
{{- end }}

{{/*
The Secret the migration hook reads DATABASE_URL from. Hooks run before the
release's ordinary resources exist, so with a chart-managed Secret the hook
gets its own copy (a hook resource itself); an existing Secret is used as is.
*/}}
{{- define "escalate.migrationSecretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- printf "%s-migration" (include "escalate.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Fails the render with a clear message when a required setting is missing. */}}
{{- define "escalate.validate" -}}
{{- $base := required "config.PUBLIC_BASE_URL is required (the public https URL of the service, no trailing /)" .Values.config.PUBLIC_BASE_URL }}
{{- if hasSuffix "/" $base }}
{{- fail "config.PUBLIC_BASE_URL must not end with /" }}
{{- end }}
{{- if not .Values.secrets.existingSecret }}
{{- $_ := required "secrets.masterKeys is required (or set secrets.existingSecret)" .Values.secrets.masterKeys }}
{{- $t := required "secrets.operatorToken is required (or set secrets.existingSecret)" .Values.secrets.operatorToken }}
{{- if lt (len $t) 24 }}
{{- fail "secrets.operatorToken must be at least 24 characters" }}
{{- end }}
{{- $_ := required "secrets.databaseUrl is required (or set secrets.existingSecret)" .Values.secrets.databaseUrl }}
{{- $r := required "secrets.redisUrl is required (or set secrets.existingSecret): more than one replica shares rate limits and caches through Redis" .Values.secrets.redisUrl }}
{{- end }}
{{- end }}

{{/* Environment common to the service and the migration job. */}}
{{- define "escalate.extraEnv" -}}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}
