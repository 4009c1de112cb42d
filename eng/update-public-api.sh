#!/usr/bin/env bash
# Records the public API of every package in src/ after an intended API change: PublicAPI.Unshipped.txt is rewritten to
# hold what is public now but not in PublicAPI.Shipped.txt, plus a *REMOVED* line for each shipped entry that is gone
# (a changed signature is one of each). PublicAPI.Shipped.txt, the released baseline, is left as it is.
#
# How: for each package in turn, both files are emptied and the analyzer's own code fix (RS0016, through
# `dotnet format analyzers`) writes the complete current API; that list is compared with the shipped one, and the
# shipped file is put back. (The analyzer's fix for removed entries, RS0017, cannot be applied from the command line,
# and fixes applied to a whole solution at once do not all keep their PublicAPI file edits; hence one project at a time
# and a full listing.) Then the packages are built, which fails if anything is still unrecorded.
#
# Usage: eng/update-public-api.sh [project.csproj ...]   (default: every package in src/), then review the PublicAPI.Unshipped.txt diffs and commit them with the change.
# At a release, move the Unshipped lines into PublicAPI.Shipped.txt (dropping each *REMOVED* line and the line it names).
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
restore_shipped() {
  # Put back any shipped file still emptied when the script stops early.
  for backup in "$work"/*.shipped; do
    [ -e "$backup" ] || continue
    cp "$backup" "$(cat "${backup%.shipped}.path")"
  done
  rm -rf "$work"
}
trap restore_shipped EXIT

if [ $# -gt 0 ]; then projects=("$@"); else projects=(src/*/*.csproj); fi

dotnet restore Ingestion.sln --nologo -v q
for project in "${projects[@]}"; do
  dir=$(dirname "$project")
  name=$(basename "$dir")
  shipped="$dir/PublicAPI.Shipped.txt"
  unshipped="$dir/PublicAPI.Unshipped.txt"
  [ -f "$shipped" ] || printf '#nullable enable\n' >"$shipped"
  echo "Listing the public API of $name"
  cp "$shipped" "$work/$name.shipped"
  printf '%s\n' "$shipped" >"$work/$name.path"
  printf '#nullable enable\n' >"$shipped"
  printf '#nullable enable\n' >"$unshipped"
  dotnet format analyzers "$project" --no-restore --severity warn --diagnostics RS0016 >"$work/$name.format.log" 2>&1 \
    || { cat "$work/$name.format.log"; echo "dotnet format failed for $project" >&2; exit 1; }
  grep -vE '^(#|$)' "$unshipped" | LC_ALL=C sort -u >"$work/$name.current" || true
  cp "$work/$name.shipped" "$shipped"
  rm -f "$work/$name.shipped"
  grep -vE '^(#|$|\*REMOVED\*)' "$shipped" | LC_ALL=C sort -u >"$work/$name.baseline" || true
  {
    echo '#nullable enable'
    LC_ALL=C comm -13 "$work/$name.baseline" "$work/$name.current"
    LC_ALL=C comm -23 "$work/$name.baseline" "$work/$name.current" | sed 's/^/*REMOVED*/'
  } >"$unshipped"
  echo "  $(($(wc -l <"$unshipped") - 1)) unshipped line(s)"
done

echo "Building the packages to check the recorded API"
for project in "${projects[@]}"; do
  dotnet build "$project" --no-restore --nologo -v q
done
echo "Public API files are up to date; review and commit the PublicAPI.Unshipped.txt changes."
