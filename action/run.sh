#!/usr/bin/env bash
# The Action's step: run licensecheck with the inputs (read from the environment, never
# interpolated into this script) and set the outputs; later steps write the job summary
# (within GitHub's size limit) and the pull-request comment (model_licensecheck/github.py).
# It exits 0 itself so that later steps (the SARIF upload) run; the Action's last step exits
# with licensecheck's code.
set -uo pipefail

out="${INPUT_OUTPUT_DIR:-licensecheck-reports}"
mkdir -p "$out"

args=()
if [[ -n "${INPUT_POLICY:-}" ]]; then args+=(--policy "$INPUT_POLICY"); fi
if [[ -n "${INPUT_FAIL_ON:-}" ]]; then args+=(--fail-on "$INPUT_FAIL_ON"); fi
if [[ "${INPUT_OFFLINE:-false}" == "true" ]]; then args+=(--offline); fi
# The workflow names the models (the `models` input): SARIF points code scanning at those
# lines. GITHUB_WORKFLOW_REF is "owner/repo/.github/workflows/file.yml@ref".
workflow="${GITHUB_WORKFLOW_REF:-}"
workflow="${workflow#*/*/}"
workflow="${workflow%%@*}"
if [[ -n "$workflow" && -f "$workflow" ]]; then args+=(--named-in "$workflow"); fi

formats=(markdown json)
for fmt in ${INPUT_FORMATS:-json sarif}; do
  [[ " ${formats[*]} " == *" $fmt "* ]] || formats+=("$fmt")
done
for fmt in "${formats[@]}"; do args+=(--format "$fmt"); done

if [[ -n "${INPUT_MANIFEST:-}" ]]; then
  command=(licensecheck audit "$INPUT_MANIFEST" --reports "$out/models")
else
  mapfile -t targets < <(printf '%s\n' "${INPUT_MODELS:-}" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' | grep -v '^$' || true)
  if [[ ${#targets[@]} -eq 0 ]]; then
    echo "licensecheck: error: give the 'models' or the 'manifest' input" >&2
    echo "exit-code=2" >> "$GITHUB_OUTPUT"
    echo "verdict=error" >> "$GITHUB_OUTPUT"
    exit 0
  fi
  command=(licensecheck check "${targets[@]}")
fi

"${command[@]}" "${args[@]}" -o "$out"
code=$?

report_json="$out/licensecheck.json"
verdict=error
if [[ -s "$report_json" ]]; then
  verdict=$(python3 - "$report_json" <<'PY'
import json, sys
order = ["allowed", "conditional", "unknown", "prohibited"]
data = json.load(open(sys.argv[1], encoding="utf-8"))
if isinstance(data, dict) and "models" in data:
    data = data["models"]
reports = data if isinstance(data, list) else [data]
statuses = [r["verdict"]["status"] for r in reports if "verdict" in r]
worst = max(statuses, key=order.index) if statuses else "error"
print("error" if any("error" in r for r in reports) and worst == "allowed" else worst)
PY
)
fi

{
  echo "verdict=$verdict"
  echo "exit-code=$code"
  [[ -s "$report_json" ]] && echo "json-report=$report_json"
  [[ -s "$out/licensecheck.sarif" ]] && echo "sarif-report=$out/licensecheck.sarif"
  [[ -s "$out/licensecheck.md" ]] && echo "markdown-report=$out/licensecheck.md"
} >> "$GITHUB_OUTPUT"
exit 0
