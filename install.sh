#!/bin/sh
# Install iacgate: the binary (cargo install) and its git hooks into a clone.
#
#   ./install.sh [TARGET_REPO]      TARGET_REPO defaults to the current directory
#
# IACGATE=/path/to/iacgate ./install.sh ... uses that binary instead of
# building one (for packagers, and for the tests).
#
# The hooks part is `iacgate install`: hooks already there are kept as
# NAME.local and still run; hooks of another manager are left alone.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
target=${1:-.}

if ! git -C "$target" rev-parse --git-dir >/dev/null 2>&1; then
    echo "install.sh: $target is not a git repository" >&2
    exit 2
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$here/Cargo.toml" | head -n 1)
# The binary says which commit it was built from; a clone with local edits
# is always rebuilt.
expected="iacgate $version"
if commit=$(git -C "$here" rev-parse --short=12 HEAD 2>/dev/null); then
    expected="iacgate $version (commit $commit)"
    [ -z "$(git -C "$here" status --porcelain 2>/dev/null)" ] || expected="(local edits)"
fi
if [ -n "${IACGATE:-}" ]; then
    iacgate=$IACGATE
    echo "install.sh: using $iacgate ($("$iacgate" --version))"
elif command -v iacgate >/dev/null 2>&1 && [ "$(iacgate --version 2>/dev/null)" = "$expected" ]; then
    echo "install.sh: $expected is already installed ($(command -v iacgate))"
    iacgate=$(command -v iacgate)
else
    cargo install --locked --path "$here"
    iacgate="${CARGO_HOME:-$HOME/.cargo}/bin/iacgate"
fi

cd "$target"
"$iacgate" install
case ":$PATH:" in
    *":$(dirname "$iacgate"):"*) ;;
    *) echo "install.sh: note: $(dirname "$iacgate") is not on your PATH; the hooks also look there." ;;
esac
