#!/usr/bin/env bash
# Prints the path of a fresh GitHub OIDC token (audience api://AzureADTokenExchange) for Entra ID
# workload identity federation. Every step that talks to Entra ID calls it first and removes the file
# when it ends: GitHub's tokens are short-lived, so no step relies on a token fetched by an earlier one.
#
#   token_file="$(bash .github/ad-entra-link/oidc-token.sh)"; trap 'rm -f "$token_file"' EXIT
#   export AZURE_FEDERATED_TOKEN_FILE="$token_file"
set -euo pipefail
: "${ACTIONS_ID_TOKEN_REQUEST_URL:?no OIDC endpoint: the job needs permissions: id-token: write}"
: "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:?no OIDC request token: the job needs permissions: id-token: write}"
umask 077
file="$(mktemp "${RUNNER_TEMP:-/tmp}/azure-federated-token.XXXXXX")"
curl --fail --silent --show-error \
  -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange" \
  | node -e 'let s = ""; process.stdin.on("data", (d) => { s += d; }).on("end", () => process.stdout.write(JSON.parse(s).value));' \
  > "$file"
echo "$file"
