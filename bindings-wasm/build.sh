#!/usr/bin/env bash
# Builds the browser package and the demo site:
#
#   bindings-wasm/pkg/    the ES module (bangfu_wasm.js, .d.ts, bangfu_wasm_bg.wasm)
#   bindings-wasm/dist/   a static site: index.html (the demo), pkg/, widget/
#                         (the widget's ES modules, entry bangfu-check.js),
#                         rules/cn-qingdao-chengyang.json (the rule bundle)
#
# Steps: cargo build (profile wasm-release: opt-level z, fat LTO) for
# wasm32-unknown-unknown; wasm-bindgen --target web with TypeScript types;
# wasm-opt -Oz (small functions with one caller inlined, large ones kept) from
# the pinned npm binaryen (scripts/lib.sh wasm_opt_bin, never a wasm-opt from
# PATH); the rule bundle; the size report. Fails when the shipped .wasm is over
# the budget of 365 KB gzipped (BANGFU_WASM_BUDGET_KB).
#
# Usage: bindings-wasm/build.sh   (then: python3 -m http.server -d bindings-wasm/dist 8080)
set -euo pipefail

BANGFU_SCRIPT="wasm-build"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$REPO_ROOT"

CRATE_DIR="bindings-wasm"
PKG="$CRATE_DIR/pkg"
DIST="$CRATE_DIR/dist"
RULES="${BANGFU_RULES:-rules/cn-qingdao-chengyang}"
BUDGET_KB="${BANGFU_WASM_BUDGET_KB:-365}"
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
WASM_IN="$TARGET_DIR/wasm32-unknown-unknown/wasm-release/bangfu_wasm.wasm"

command -v wasm-bindgen >/dev/null || die "wasm-bindgen not found: run scripts/setup"
WASM_OPT="$(wasm_opt_bin)" || die "wasm-opt (npm binaryen) not found: run scripts/setup"

say "cargo build --profile wasm-release --target wasm32-unknown-unknown"
cargo build --quiet --locked -p bangfu-wasm --profile wasm-release --target wasm32-unknown-unknown

say "wasm-bindgen --target web ($(wasm-bindgen --version))"
rm -rf "$PKG"
wasm-bindgen --target web --typescript --out-dir "$PKG" "$WASM_IN"

# A function called from one place is inlined only when it is small, as any
# other function is (--one-caller-inline-max-function-size, binaryen's
# flexible-inline limit of 20): -Oz alone inlines every such function whatever
# its size, and the giant functions that makes (thousands of locals, two-byte
# local indices) gzip about 13% worse for a 2% smaller raw module.
say "wasm-opt -Oz --converge --one-caller-inline-max-function-size 20 ($("$WASM_OPT" --version))"
"$WASM_OPT" -Oz --converge --one-caller-inline-max-function-size 20 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$PKG/bangfu_wasm_bg.wasm" -o "$PKG/bangfu_wasm_bg.wasm.opt"
mv "$PKG/bangfu_wasm_bg.wasm.opt" "$PKG/bangfu_wasm_bg.wasm"

say "rule bundle from $RULES"
rm -rf "$DIST"
mkdir -p "$DIST/rules"
bundle_name="$(basename "$RULES").json"
cargo run --quiet --locked -p bangfu-wasm --example bundle -- "$RULES" "$DIST/rules/$bundle_name"

say "assembling $DIST"
cp -r "$PKG" "$DIST/pkg"
rm -f "$DIST/pkg/.gitignore" "$DIST/pkg/package.json"
cp -r "$CRATE_DIR/widget" "$DIST/widget"
cp "$CRATE_DIR/demo/index.html" "$DIST/index.html"

raw=$(wc -c <"$PKG/bangfu_wasm_bg.wasm")
gz=$(gzip -9 -c "$PKG/bangfu_wasm_bg.wasm" | wc -c)
js_gz=$(gzip -9 -c "$PKG/bangfu_wasm.js" | wc -c)
widget_gz=0
for module in "$CRATE_DIR"/widget/*.js; do
  widget_gz=$((widget_gz + $(gzip -9 -c "$module" | wc -c)))
done
rules_gz=$(gzip -9 -c "$DIST/rules/$bundle_name" | wc -c)
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
say "size: bangfu_wasm_bg.wasm $raw bytes raw ($(kb "$raw")), $gz bytes gzipped ($(kb "$gz")); budget ${BUDGET_KB} KB gzipped"
say "size: glue bangfu_wasm.js $(kb "$js_gz"), widget modules $(kb "$widget_gz"), rules $(kb "$rules_gz") (gzipped)"
if ((gz > BUDGET_KB * 1024)); then
  die "bangfu_wasm_bg.wasm is $(kb "$gz") gzipped, over the budget of ${BUDGET_KB} KB"
fi
say "ok: serve with: python3 -m http.server -d $DIST 8080   (then open http://localhost:8080/)"
