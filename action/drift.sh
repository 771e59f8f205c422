#!/usr/bin/env bash
# The Action's drift step (input `lock`): re-resolve the lock file's targets at today's Hub
# revisions, write the Markdown drift report to the job summary, set outputs. It exits 0 itself;
# the Action's "Fail when the lock drifted" step exits with licensecheck's code.
set -uo pipefail

out="${INPUT_OUTPUT_DIR:-licensecheck-reports}"
mkdir -p "$out"
args=()
if [[ -n "${INPUT_POLICY:-}" ]]; then args+=(--policy "$INPUT_POLICY"); fi
if [[ "${INPUT_OFFLINE:-false}" == "true" ]]; then args+=(--offline); fi

licensecheck drift "$INPUT_LOCK" "${args[@]}" --format markdown -o "$out/drift.md"
code=$?

{
  echo "drift-exit-code=$code"
  [[ -s "$out/drift.md" ]] && echo "drift-report=$out/drift.md"
} >> "$GITHUB_OUTPUT"

if [[ -n "${GITHUB_STEP_SUMMARY:-}" && -s "$out/drift.md" ]]; then
  cat "$out/drift.md" >> "$GITHUB_STEP_SUMMARY"
fi
exit 0
