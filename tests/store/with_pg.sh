#!/usr/bin/env bash
# Runs a command against a throw-away PostgreSQL cluster (pg_fixture.sh): EVS_DATABASE_URL names it.
# Usage: with_pg.sh COMMAND [ARG...]. Exit 77 (skipped) when the server binaries are missing.
set -uo pipefail
. "$(dirname "$0")/pg_fixture.sh"
pg_fixture_start || exit 1
"$@"
