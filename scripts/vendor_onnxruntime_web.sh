#!/usr/bin/env bash
# Vendor the browser runtime of the web demos: onnxruntime-web at a pinned version, from npm,
# with its licence. Only what a single-threaded WebAssembly session needs is kept.
# Usage: bash scripts/vendor_onnxruntime_web.sh   (needs npm; the result is committed)
set -euo pipefail
VERSION=1.30.0
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/dcgan_core/sharing/web/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "onnxruntime-web@$VERSION" >/dev/null && tar xzf "onnxruntime-web-$VERSION.tgz")
mkdir -p "$DEST"
for f in ort.wasm.min.js ort-wasm-simd-threaded.wasm ort-wasm-simd-threaded.mjs; do
  cp "$WORK/package/dist/$f" "$DEST/$f"
done
LICENSE_ID=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['license'])" "$WORK/package/package.json")
[ "$LICENSE_ID" = "MIT" ] || { echo "unexpected licence $LICENSE_ID" >&2; exit 1; }
if [ -f "$WORK/package/LICENSE" ]; then
  cp "$WORK/package/LICENSE" "$DEST/LICENSE.txt"
else  # the npm package declares MIT in package.json without shipping the text: the project's MIT licence
  cat > "$DEST/LICENSE.txt" <<'TXT'
onnxruntime-web (https://github.com/microsoft/onnxruntime), licensed MIT:

MIT License

Copyright (c) Microsoft Corporation

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
TXT
fi
echo "onnxruntime-web $VERSION (npm), MIT licence; files: ort.wasm.min.js ort-wasm-simd-threaded.wasm ort-wasm-simd-threaded.mjs" > "$DEST/VERSION.txt"
echo "vendored onnxruntime-web $VERSION into $DEST"
