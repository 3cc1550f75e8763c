#!/bin/sh
# Install iacgate: the binary (cargo install) and its git hooks into a clone.
#
#   ./install.sh [TARGET_REPO]      TARGET_REPO defaults to the current directory
#
# Existing hooks that are not iacgate's are left alone and reported.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
target=${1:-.}

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$here/Cargo.toml" | head -n 1)
# The binary says which commit it was built from; a clone with local edits
# is always rebuilt.
expected="iacgate $version"
if commit=$(git -C "$here" rev-parse --short=12 HEAD 2>/dev/null); then
    expected="iacgate $version (commit $commit)"
    [ -z "$(git -C "$here" status --porcelain 2>/dev/null)" ] || expected="(local edits)"
fi
if command -v iacgate >/dev/null 2>&1 && [ "$(iacgate --version 2>/dev/null)" = "$expected" ]; then
    echo "install.sh: $expected is already installed ($(command -v iacgate))"
else
    cargo install --locked --path "$here"
fi

if ! git -C "$target" rev-parse --git-dir >/dev/null 2>&1; then
    echo "install.sh: $target is not a git repository" >&2
    exit 2
fi
# --git-path honours core.hooksPath and linked worktrees.
hooks=$(cd "$target" && mkdir -p "$(git rev-parse --git-path hooks)" && cd "$(git rev-parse --git-path hooks)" && pwd)

status=0
for name in pre-commit prepare-commit-msg commit-msg pre-push; do
    dest="$hooks/$name"
    if [ -e "$dest" ] && ! grep -q 'iacgate hook' "$dest"; then
        echo "install.sh: $dest already exists and is not iacgate's: left as it is." >&2
        echo "install.sh: to run iacgate from it too, call \`iacgate hook $name \"\$@\"\` and stop on a non-zero exit;" >&2
        echo "install.sh: a hook that reads standard input (pre-push) must save it and give iacgate the same input." >&2
        status=1
        continue
    fi
    cp "$here/hooks/$name" "$dest"
    chmod +x "$dest"
    echo "install.sh: installed $dest"
done
exit $status
