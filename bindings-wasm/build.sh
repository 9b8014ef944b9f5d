#!/usr/bin/env bash
# Builds the two browser modules, the demo site and the npm package:
#
#   bindings-wasm/pkg/            the lean runtime (bangfu_wasm.js, .d.ts,
#                                 bangfu_wasm_bg.wasm): bundles only, no TOML
#                                 parser, no checker; what citizens' pages load
#   bindings-wasm/pkg-authoring/  the authoring module: also rule files
#                                 checked in the browser, and reforms
#   bindings-wasm/dist/           a static site: index.html (the demo), pkg/,
#                                 widget/ (the widget's ES modules, entry
#                                 bangfu-check.js), rules/cn-qingdao-chengyang.bangfu
#                                 (the precompiled rule bundle); playground/
#                                 (the rule playground: rule files edited and
#                                 checked in the browser, with pkg-authoring/
#                                 and the sources of every rule set in rules/)
#   bindings-wasm/npm/            the npm package (package.json, both modules,
#                                 the widget, the bundles, a Node entry);
#                                 `npm pack bindings-wasm/npm` makes the tarball
#
# Steps, per module: cargo build (profiles wasm-release and wasm-lean:
# opt-level z, fat LTO) for wasm32-unknown-unknown (the lean one without
# default features); wasm-bindgen --target web with TypeScript types;
# wasm-opt -Oz (small functions with one caller inlined, large ones kept)
# from the pinned npm binaryen (scripts/lib.sh wasm_opt_bin, never a
# wasm-opt from PATH). Then the rule bundles, the site (the widget's and the
# playground's modules and the glue minified by esbuild from
# bindings-wasm/tools, installed by scripts/setup) and the size report.
# Fails when a module is over its budget gzipped: the lean runtime 150 KB
# (BANGFU_WASM_BUDGET_KB), the authoring module 450 KB
# (BANGFU_WASM_AUTHORING_BUDGET_KB), and the first load of a page (lean
# module, glue, widget, bundle, as the site serves them) 200 KB
# (BANGFU_FIRST_LOAD_BUDGET_KB).
#
# Usage: bindings-wasm/build.sh   (then: python3 -m http.server -d bindings-wasm/dist 8080)
set -euo pipefail

BANGFU_SCRIPT="wasm-build"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$REPO_ROOT"

CRATE_DIR="bindings-wasm"
PKG="$CRATE_DIR/pkg"
PKG_AUTHORING="$CRATE_DIR/pkg-authoring"
DIST="$CRATE_DIR/dist"
NPM="$CRATE_DIR/npm"
RULES="${BANGFU_RULES:-rules/cn-qingdao-chengyang}"
BUDGET_KB="${BANGFU_WASM_BUDGET_KB:-150}"
AUTHORING_BUDGET_KB="${BANGFU_WASM_AUTHORING_BUDGET_KB:-450}"
FIRST_LOAD_BUDGET_KB="${BANGFU_FIRST_LOAD_BUDGET_KB:-200}"
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
wasm_in() { printf '%s\n' "$TARGET_DIR/wasm32-unknown-unknown/$1/bangfu_wasm.wasm"; }

command -v wasm-bindgen >/dev/null || die "wasm-bindgen not found: run scripts/setup"
WASM_OPT="$(wasm_opt_bin)" || die "wasm-opt (npm binaryen) not found: run scripts/setup"
ESBUILD="$CRATE_DIR/tools/node_modules/.bin/esbuild"
[[ -x "$ESBUILD" ]] || die "esbuild (bindings-wasm/tools) not found: run scripts/setup"

kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
gz() { gzip -9 -c "$1" | wc -c; }

# build_module OUT_DIR BUDGET_KB PROFILE [cargo feature arguments...]
build_module() {
  local out="$1" budget="$2" profile="$3"
  shift 3
  say "cargo build --profile $profile --target wasm32-unknown-unknown $*"
  cargo build --quiet --locked -p bangfu-wasm --profile "$profile" --target wasm32-unknown-unknown "$@"
  rm -rf "$out"
  wasm-bindgen --target web --typescript --out-dir "$out" "$(wasm_in "$profile")"
  # A function called from one place is inlined only when it is small, as any
  # other function is (--one-caller-inline-max-function-size, binaryen's
  # flexible-inline limit of 20): -Oz alone inlines every such function
  # whatever its size, and the giant functions that makes (thousands of
  # locals, two-byte local indices) gzip about 13% worse for a 2% smaller
  # raw module.
  "$WASM_OPT" -Oz --converge --one-caller-inline-max-function-size 20 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$out/bangfu_wasm_bg.wasm" -o "$out/bangfu_wasm_bg.wasm.opt"
  mv "$out/bangfu_wasm_bg.wasm.opt" "$out/bangfu_wasm_bg.wasm"
  rm -f "$out/.gitignore" "$out/package.json"
  local raw size
  raw=$(wc -c <"$out/bangfu_wasm_bg.wasm")
  size=$(gz "$out/bangfu_wasm_bg.wasm")
  say "size: $out/bangfu_wasm_bg.wasm $raw bytes raw ($(kb "$raw")), $size bytes gzipped ($(kb "$size")); budget ${budget} KB gzipped"
  if ((size > budget * 1024)); then
    die "$out/bangfu_wasm_bg.wasm is $(kb "$size") gzipped, over the budget of ${budget} KB"
  fi
}

say "wasm-bindgen $(wasm-bindgen --version), wasm-opt $("$WASM_OPT" --version)"
build_module "$PKG_AUTHORING" "$AUTHORING_BUDGET_KB" wasm-release
build_module "$PKG" "$BUDGET_KB" wasm-lean --no-default-features

say "rule bundle from $RULES"
rm -rf "$DIST" "$NPM"
mkdir -p "$DIST/rules"
bundle_name="$(basename "$RULES").bangfu"
cargo run --quiet --locked -p bangfu-wasm --example bundle -- "$RULES" "$DIST/rules/$bundle_name"
# The repository's other rule sets too (the tests run every conformance file
# through the lean runtime); a page loads only the one it names.
for dir in rules/*/; do
  other="$(basename "$dir")"
  if [[ -f "${dir}ruleset.toml" && "$other.bangfu" != "$bundle_name" ]]; then
    cargo run --quiet --locked -p bangfu-wasm --example bundle -- "${dir%/}" "$DIST/rules/$other.bangfu"
  fi
done

say "assembling $DIST"
# The site serves the widget's ES modules and the module's glue minified,
# one file each as in the source (esbuild, pinned in bindings-wasm/tools);
# the npm package keeps them readable.
cp -r "$PKG" "$DIST/pkg"
"$ESBUILD" "$PKG/bangfu_wasm.js" --minify --log-level=warning --outfile="$DIST/pkg/bangfu_wasm.js"
"$ESBUILD" "$CRATE_DIR"/widget/*.js --minify --log-level=warning --outdir="$DIST/widget"
cp "$CRATE_DIR/demo/index.html" "$DIST/index.html"
# The rule playground: the authoring module, the page, and the sources of
# every rule set in rules/ to start from.
cp -r "$PKG_AUTHORING" "$DIST/pkg-authoring"
"$ESBUILD" "$PKG_AUTHORING/bangfu_wasm.js" --minify --log-level=warning --outfile="$DIST/pkg-authoring/bangfu_wasm.js"
"$ESBUILD" "$CRATE_DIR"/playground/*.js --minify --log-level=warning --outdir="$DIST/playground"
cp "$CRATE_DIR/playground/index.html" "$DIST/playground/index.html"
mkdir -p "$DIST/playground/sources"
names=()
for dir in rules/*/; do
  if [[ -f "${dir}ruleset.toml" ]]; then
    names+=("\"$(basename "$dir")\"")
    node "$CRATE_DIR/tools/sources.mjs" "${dir%/}" "$DIST/playground/sources/$(basename "$dir").json"
  fi
done
(IFS=,; printf '[%s]\n' "${names[*]}") >"$DIST/playground/sources/index.json"

say "assembling $NPM"
mkdir -p "$NPM"
cp -r "$PKG" "$PKG_AUTHORING" "$CRATE_DIR/widget" "$DIST/rules" "$NPM/"
cp "$CRATE_DIR"/package/* "$NPM/"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
sed -i "s/\"version\": \"0.0.0\"/\"version\": \"$version\"/" "$NPM/package.json"

wasm_gz=$(gz "$DIST/pkg/bangfu_wasm_bg.wasm")
js_gz=$(gz "$DIST/pkg/bangfu_wasm.js")
widget_gz=0
for module in "$DIST"/widget/*.js; do
  widget_gz=$((widget_gz + $(gz "$module")))
done
rules_gz=$(gz "$DIST/rules/$bundle_name")
first=$((wasm_gz + js_gz + widget_gz + rules_gz))
say "first load (gzipped): lean module $(kb "$wasm_gz"), glue $(kb "$js_gz"), widget modules (minified) $(kb "$widget_gz"), rule bundle $(kb "$rules_gz") ($(wc -c <"$DIST/rules/$bundle_name") bytes raw): $(kb "$first"); budget ${FIRST_LOAD_BUDGET_KB} KB"
if ((first > FIRST_LOAD_BUDGET_KB * 1024)); then
  die "the first load is $(kb "$first") gzipped, over the budget of ${FIRST_LOAD_BUDGET_KB} KB"
fi
say "ok: serve with: python3 -m http.server -d $DIST 8080   (then open http://localhost:8080/)"
