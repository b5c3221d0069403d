# Shared settings for Kagami's scripts. Sourced, not run.
# KAGAMI_CACHE holds slow one-time artefacts (llama-server binary, model file,
# Python venv) and survives clean clones; KAGAMI_HOME holds one instance's state.
set -euo pipefail
KAGAMI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAGAMI_CACHE="${KAGAMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kagami}"
KAGAMI_HOME="${KAGAMI_HOME:-$KAGAMI_ROOT/var}"
mkdir -p "$KAGAMI_CACHE"
export PATH="/opt/swift/usr/bin:$PATH"

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
