#!/usr/bin/env bash
# `make run`: installs what is missing, builds, starts a model server (Ollama if one answers, else the
# bundled llama-server + Gemma 3 270M), the chat handler and nginx, prints the URL, and stops everything
# on Ctrl-C. State lives in $KAGAMI_HOME (default ./var).
source "$(dirname "$0")/common.sh"

KAGAMI_PORT="${KAGAMI_PORT:-8080}"
KAGAMI_CONFIG="${KAGAMI_CONFIG:-$KAGAMI_ROOT/config/kagami.json}"
OLLAMA_HOST="${OLLAMA_HOST:-127.0.0.1:11434}"
LLAMA_PORT="${KAGAMI_LLAMA_PORT:-$((KAGAMI_PORT + 1))}"
KAGAMI_DB="${KAGAMI_DB:-$KAGAMI_HOME/kagami.db}"
export KAGAMI_CONFIG OLLAMA_HOST KAGAMI_DB

"$KAGAMI_ROOT/scripts/install-deps.sh"

BIN="$("$KAGAMI_ROOT/scripts/build.sh")"

mkdir -p "$KAGAMI_HOME"/{run,logs,site/public,nginx/tmp}
pids=()
cleanup() {
    trap - INT TERM EXIT
    step "Stopping"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
# Ctrl-C (or SIGTERM) is the normal way to stop: clean up and exit 0. Any other exit cleans up too.
trap 'cleanup; exit 0' INT TERM
trap cleanup EXIT

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local seconds=$1 what=$2; shift 2
    for _ in $(seq $((seconds * 4))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
    die "$what did not come up within ${seconds}s (logs: $KAGAMI_HOME/logs)"
}

ollama_url="$OLLAMA_HOST"; case "$ollama_url" in http*) ;; *) ollama_url="http://$ollama_url";; esac
if curl -sf --max-time 2 "$ollama_url/api/tags" >/dev/null; then
    step "Using Ollama at $ollama_url"
    models=$(curl -sf "$ollama_url/api/tags" | python3 -c 'import json,sys; print(", ".join(m["name"] for m in json.load(sys.stdin).get("models", [])) or "none")')
    note "installed models: $models"
else
    step "No Ollama at $ollama_url: using the bundled llama-server with Gemma 3 270M"
    eval "$("$KAGAMI_ROOT/scripts/prepare-model.sh")"
    "$LLAMA_SERVER" -m "$MODEL_FILE" --host 127.0.0.1 --port "$LLAMA_PORT" --alias gemma3:270m \
        --metrics -c 4096 -t "$(nproc)" >"$KAGAMI_HOME/logs/llama-server.log" 2>&1 &
    pids+=($!)
    wait_for 60 "llama-server" curl -sf "http://127.0.0.1:$LLAMA_PORT/health"
    note "llama-server on 127.0.0.1:$LLAMA_PORT (log: $KAGAMI_HOME/logs/llama-server.log)"
    export KAGAMI_BACKEND_URL="http://127.0.0.1:$LLAMA_PORT" KAGAMI_BACKEND_TYPE=openai
fi

# The dashboard is not public: a fresh random password each run (apr1 htpasswd for nginx's auth_basic), printed
# once below, and a shared secret that nginx hands to DashboardAPI (defence in depth).
DASHBOARD_USER=kagami
DASHBOARD_PASSWORD="$(openssl rand -base64 18 | tr -d '/+=' | cut -c1-20)"
printf '%s:%s\n' "$DASHBOARD_USER" "$(openssl passwd -apr1 "$DASHBOARD_PASSWORD")" >"$KAGAMI_HOME/dashboard.htpasswd"
chmod 600 "$KAGAMI_HOME/dashboard.htpasswd"
KAGAMI_DASHBOARD_HTPASSWD="$KAGAMI_HOME/dashboard.htpasswd"
KAGAMI_DASHBOARD_KEY="$(openssl rand -hex 24)"
export KAGAMI_DASHBOARD_HTPASSWD KAGAMI_DASHBOARD_KEY

step "Generating the site and nginx configuration"
sitegen_args=(--config "$KAGAMI_CONFIG" --out "$KAGAMI_HOME/site" --run-dir "$KAGAMI_HOME/run"
              --templates "$KAGAMI_ROOT/templates")
"$BIN/SiteGen" "${sitegen_args[@]}" | sed 's/^/    /'
# Keep the page in step with the model list: regenerated (atomically) whenever a backend's models change.
"$BIN/SiteGen" "${sitegen_args[@]}" --watch --interval "${KAGAMI_SITEGEN_INTERVAL:-10}" \
    >>"$KAGAMI_HOME/logs/sitegen.log" 2>&1 &
pids+=($!)
note "SiteGen --watch is polling the model list (log: $KAGAMI_HOME/logs/sitegen.log)"

step "Starting ChatHandler"
"$BIN/ChatHandler" --config "$KAGAMI_CONFIG" --socket "$KAGAMI_HOME/run/chat.sock" 2>>"$KAGAMI_HOME/logs/chat.log" &
pids+=($!)
wait_for 10 "ChatHandler" test -S "$KAGAMI_HOME/run/chat.sock"

step "Starting RUMBeacon (real-user-monitoring beacons on /rum)"
"$KAGAMI_ROOT/scripts/prepare-geo.sh" >/dev/null || note "no geo database: beacons are stored with geo unknown"
"$BIN/RUMBeacon" --config "$KAGAMI_CONFIG" --socket "$KAGAMI_HOME/run/rum.sock" 2>>"$KAGAMI_HOME/logs/rum.log" &
pids+=($!)
wait_for 10 "RUMBeacon" test -S "$KAGAMI_HOME/run/rum.sock"

step "Starting DashboardAPI (the dashboard's read-only query API on /obs/api/)"
"$BIN/DashboardAPI" --config "$KAGAMI_CONFIG" --socket "$KAGAMI_HOME/run/dashboard.sock" \
    2>>"$KAGAMI_HOME/logs/dashboard.log" &
pids+=($!)
wait_for 10 "DashboardAPI" test -S "$KAGAMI_HOME/run/dashboard.sock"

step "Starting KagamiSampler (host CPU/memory, model runner, loaded models)"
"$BIN/KagamiSampler" --config "$KAGAMI_CONFIG" 2>>"$KAGAMI_HOME/logs/sampler.log" &
pids+=($!)

step "Starting nginx on 127.0.0.1:$KAGAMI_PORT"
user_line=""; [ "$(id -u)" = 0 ] && user_line="user root;"
cp /etc/nginx/fastcgi_params "$KAGAMI_HOME/nginx/fastcgi_params"  # the snippet includes it relative to the config
sed -e "s|@HOME@|$KAGAMI_HOME|g" -e "s|@PORT@|$KAGAMI_PORT|g" -e "s|@USER_LINE@|$user_line|" \
    "$KAGAMI_ROOT/nginx/dev.conf.in" >"$KAGAMI_HOME/nginx/nginx.conf"
nginx -t -q -p "$KAGAMI_HOME/nginx" -c "$KAGAMI_HOME/nginx/nginx.conf" || die "nginx rejected the generated config"
nginx -p "$KAGAMI_HOME/nginx" -c "$KAGAMI_HOME/nginx/nginx.conf" &
pids+=($!)
wait_for 10 "nginx" curl -sf "http://127.0.0.1:$KAGAMI_PORT/"

cat <<MSG

  Kagami is running:  http://127.0.0.1:$KAGAMI_PORT/

  Try it:
    curl -s http://127.0.0.1:$KAGAMI_PORT/chat -H 'Content-Type: application/json' -d '{"message":"Hello"}'
    curl -sN http://127.0.0.1:$KAGAMI_PORT/chat -H 'Content-Type: application/json' \\
         -H 'Accept: text/event-stream' -d '{"message":"Hello"}'

  Dashboard: http://127.0.0.1:$KAGAMI_PORT/dashboard/
    user: $DASHBOARD_USER   password: $DASHBOARD_PASSWORD   (new each run; shown only here)

  Traces:  $BIN/kagami-obs traces      (then: kagami-obs trace ID, kagami-obs summary)
  Logs: $KAGAMI_HOME/logs    Store: $KAGAMI_DB    Stop: Ctrl-C

MSG
wait -n "${pids[@]}" || true
die "a Kagami process exited unexpectedly; see $KAGAMI_HOME/logs"
