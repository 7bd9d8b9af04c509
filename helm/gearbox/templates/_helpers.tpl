{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "gearbox.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-qualified name used for every namespaced object of the chart. */}}
{{- define "gearbox.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Selector labels: stable across upgrades, so never add the version here. */}}
{{- define "gearbox.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gearbox.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "gearbox.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "gearbox.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gearbox
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "gearbox.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "gearbox.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create=false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository:tag, with the tag defaulting to the chart's appVersion. */}}
{{- define "gearbox.image" -}}
{{- printf "%s:%s" .repository (default .appVersion .tag) -}}
{{- end -}}

{{/* Namespaces the operator watches: empty list means every namespace. */}}
{{- define "gearbox.watchNamespaces" -}}
{{- if eq .Values.rbac.scope "namespaced" -}}
{{- if .Values.rbac.watchNamespaces -}}
{{- join "," .Values.rbac.watchNamespaces -}}
{{- else -}}
{{- .Release.Namespace -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Rules the operator needs on the namespaces it watches; shared by Role and ClusterRole. */}}
{{- define "gearbox.operatorRules" -}}
{{- /* The proven minimum: the same rules as operator/deploy/rbac.yaml (OperatorRbacIT) and
     exercised by the e2e suite, whose operator runs as this chart's ServiceAccount. */ -}}
- apiGroups: [gearbox.dev]
  resources: [hybridmodels]
  verbs: [get, list, watch]
- apiGroups: [gearbox.dev]
  resources: [hybridmodels/status]
  verbs: [patch]
- apiGroups: [gearbox.dev]
  resources: [hybridmodels/scale]
  verbs: [get, update, patch]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, patch]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, update, patch]
- apiGroups: [""]
  resources: [services, configmaps]
  verbs: [get, list, watch, create, update, patch]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch, create, update, patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
{{- end -}}

{{- define "gearbox.validate" -}}
{{- if not (has .Values.rbac.scope (list "cluster" "namespaced")) -}}
{{- fail (printf "rbac.scope must be \"cluster\" or \"namespaced\", got %q" .Values.rbac.scope) -}}
{{- end -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) -}}
{{- fail (printf "replicaCount=%d needs leaderElection.enabled=true, or two operators would reconcile the same HybridModels" (int .Values.replicaCount)) -}}
{{- end -}}
{{- if eq (int .Values.metrics.port) (int .Values.probes.port) -}}
{{- fail (printf "metrics.port and probes.port must differ, both are %d" (int .Values.metrics.port)) -}}
{{- end -}}
{{- end -}}
