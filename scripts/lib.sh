# shellcheck shell=bash
# Shared helpers for scripts/setup, scripts/test and scripts/demo.
# Source this file; do not execute it. Nothing here may depend on a Cargo.toml
# existing at the repository root.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT

# rustup installs cargo/rustc/rustup here; CI shells may not have it on PATH.
CARGO_BIN_DIR="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in
  *":$CARGO_BIN_DIR:"*) ;;
  *) export PATH="$CARGO_BIN_DIR:$PATH" ;;
esac

# Keep these in step with rust-toolchain.toml (the channel is read from it when
# it exists; RUST_CHANNEL_DEFAULT is only used before that file lands).
RUST_CHANNEL_DEFAULT="1.95.0"
RUST_COMPONENTS=(rustfmt clippy)
RUST_TARGETS=(wasm32-unknown-unknown)

# Print one status line, prefixed by the calling script's name.
say() { printf '[%s] %s\n' "${BANGFU_SCRIPT:-bangfu}" "$*"; }
die() { printf '[%s] ERROR: %s\n' "${BANGFU_SCRIPT:-bangfu}" "$*" >&2; exit 1; }

# The channel pinned in rust-toolchain.toml, or the default.
rust_channel() {
  local file="$REPO_ROOT/rust-toolchain.toml" channel=""
  if [[ -f "$file" ]]; then
    channel="$(sed -n 's/^[[:space:]]*channel[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$file" | head -n 1)"
  fi
  printf '%s\n' "${channel:-$RUST_CHANNEL_DEFAULT}"
}

# Idempotent: installs the pinned toolchain, its components and targets only
# when missing. Prints exactly one line.
ensure_rust_toolchain() {
  command -v rustup >/dev/null 2>&1 \
    || die "rustup not found (expected in $CARGO_BIN_DIR); install rustup first"
  local channel c t
  channel="$(rust_channel)"
  if ! rustup toolchain list 2>/dev/null | grep -q "^${channel}-"; then
    local comp_args=() target_args=()
    for c in "${RUST_COMPONENTS[@]}"; do comp_args+=(--component "$c"); done
    for t in "${RUST_TARGETS[@]}"; do target_args+=(--target "$t"); done
    rustup toolchain install "$channel" --profile minimal "${comp_args[@]}" "${target_args[@]}" >&2
    say "rust: installed toolchain $channel (+ ${RUST_COMPONENTS[*]}, ${RUST_TARGETS[*]})"
    return 0
  fi
  local installed_components installed_targets added=()
  installed_components="$(rustup component list --installed --toolchain "$channel" 2>/dev/null)"
  installed_targets="$(rustup target list --installed --toolchain "$channel" 2>/dev/null)"
  for c in "${RUST_COMPONENTS[@]}"; do
    # Listed as e.g. "clippy-x86_64-unknown-linux-gnu" (or "rustfmt-preview-...").
    if ! grep -q "^${c}-" <<<"$installed_components"; then
      rustup component add --toolchain "$channel" "$c" >&2
      added+=("component $c")
    fi
  done
  for t in "${RUST_TARGETS[@]}"; do
    if ! grep -qx "$t" <<<"$installed_targets"; then
      rustup target add --toolchain "$channel" "$t" >&2
      added+=("target $t")
    fi
  done
  if ((${#added[@]})); then
    say "rust: toolchain $channel present; added ${added[*]}"
  else
    say "rust: toolchain $channel with ${RUST_COMPONENTS[*]} and ${RUST_TARGETS[*]} already installed (skip)"
  fi
}

# wasm-opt (binaryen) is the npm package binaryen that scripts/setup pins under
# .tools/binaryen, not whatever wasm-opt is on PATH: Debian bookworm's binaryen
# 108 breaks wasm-bindgen output (see scripts/setup, step 4). Prints the path,
# or fails when it is not installed.
BINARYEN_NPM_DIR="$REPO_ROOT/.tools/binaryen"
wasm_opt_bin() {
  local bin="$BINARYEN_NPM_DIR/node_modules/.bin/wasm-opt"
  [[ -x "$bin" ]] || return 1
  printf '%s\n' "$bin"
}

# sha256 of the given files' contents, concatenated.
files_sha() { cat "$@" | sha256sum | cut -d' ' -f1; }
