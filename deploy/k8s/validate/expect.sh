#!/usr/bin/env bash
# Runs a command that must fail in a known way:
#   expect.sh STATUS REGEX COMMAND [ARG...]
# succeeds only when COMMAND exits with STATUS and its output matches the
# extended regular expression REGEX (so a crash is not taken for a refusal).
set -uo pipefail
want="$1" pattern="$2"
shift 2
output="$("$@" 2>&1)"
status=$?
printf '%s\n' "$output"
if [ "$status" -ne "$want" ]; then
  echo "expect.sh: exit status $status, wanted $want" >&2
  exit 1
fi
if ! grep -Eq -- "$pattern" <<< "$output"; then
  echo "expect.sh: the output does not match: $pattern" >&2
  exit 1
fi
echo "expect.sh: exit $status and the expected message, as wanted"
