#!/usr/bin/env bash
# Reads the TRX files a `dotnet test ... --logger trx --results-directory DIR` run wrote into DIR and checks them:
#   - every test assembly named in the minimums file ran, and ran at least its recorded number of tests;
#   - every assembly that ran is named there (so a new test project gets a minimum too);
#   - no test was skipped unless the allow-list names it, with a reason.
# Prints each assembly's count against its minimum and every skipped test by name (allowed or not), then one line
#   totals passed=N failed=N skipped=N problems=N
# for .ci/run to read. Exits 1 when there is any problem, 0 otherwise.
#
# Usage: .ci/check-test-results.sh RESULTS_DIR
# The files default to .ci/min-tests.txt and .ci/skip-allowlist.txt; INGESTION_CI_MIN_TESTS and
# INGESTION_CI_SKIP_ALLOWLIST name others (tests/ci/ci-run-selftest.sh uses them).
set -uo pipefail
cd "$(dirname "$0")/.."

results=${1:?usage: .ci/check-test-results.sh RESULTS_DIR}
minimums=${INGESTION_CI_MIN_TESTS:-.ci/min-tests.txt}
allowlist=${INGESTION_CI_SKIP_ALLOWLIST:-.ci/skip-allowlist.txt}

for file in "$minimums" "$allowlist"; do
  [ -f "$file" ] || { echo "CI check failed: $file does not exist."; echo "totals passed=0 failed=0 skipped=0 problems=1"; exit 1; }
done

shopt -s nullglob
trx=("$results"/*.trx)
shopt -u nullglob

# One awk program over the allow-list, the minimums and every TRX file, told apart by the phase set before each.
# A TRX file lists its results first and its test definitions (with the assembly's path) after them, so results are
# kept per file and given their assembly at the end. Works with any POSIX awk (mawk included).
awk -v minimums="$minimums" -v allowlist="$allowlist" -v trx_count="${#trx[@]}" '
function attr(line, name,   found) {
  if (!match(line, " " name "=\"[^\"]*\"")) return ""
  found = substr(line, RSTART + length(name) + 3, RLENGTH - length(name) - 4)
  return found
}
function unxml(text) {
  gsub(/&quot;/, "\"", text); gsub(/&apos;/, "\047", text); gsub(/&lt;/, "<", text); gsub(/&gt;/, ">", text); gsub(/&amp;/, "\\&", text)
  return text
}
function trim(text) { sub(/^[ \t]+/, "", text); sub(/[ \t]+$/, "", text); return text }
function problem(text) { problems++; print "CI check failed: " text }

phase == "allow" {
  line = $0
  if (line ~ /^[ \t]*(#|$)/) next
  split_at = index(line, "|")
  name = trim(split_at ? substr(line, 1, split_at - 1) : line)
  reason = split_at ? trim(substr(line, split_at + 1)) : ""
  if (reason == "") { problem(allowlist ":" FNR ": \"" name "\" has no reason after \"|\"."); next }
  allowed[name] = reason
  next
}

phase == "min" {
  if ($0 ~ /^[ \t]*(#|$)/) next
  if (NF != 2 || $2 !~ /^[0-9]+$/) { problem(minimums ":" FNR ": expected \"Assembly.Name minimum\", got \"" $0 "\"."); next }
  if (!($1 in minimum)) order[++assemblies] = $1
  minimum[$1] = $2 + 0
  next
}

phase == "trx" && FNR == 1 { files++; pending = 0 }
phase == "trx" && /<UnitTestResult / {
  n++
  result_file[n] = files
  result_name[n] = unxml(attr($0, "testName"))
  result_outcome[n] = attr($0, "outcome")
  # A skipped test carries its reason in the first <Message> of its element, when the element is not self-closing.
  pending = (result_outcome[n] == "NotExecuted" && $0 !~ /\/>[ \t]*$/) ? n : 0
  next
}
phase == "trx" && pending && /<Message>/ {
  message = $0; sub(/.*<Message>/, "", message); sub(/<\/Message>.*/, "", message)
  result_reason[pending] = unxml(message); pending = 0
}
phase == "trx" && /<\/UnitTestResult>/ { pending = 0 }
phase == "trx" && !(files in file_assembly) && /codeBase="/ {
  path = attr($0, "codeBase"); sub(/.*\//, "", path); sub(/\.dll$/, "", path)
  file_assembly[files] = path
}

END {
  if (trx_count == 0) problem("no test results (.trx files) were written, so no test ran.")
  for (i = 1; i <= n; i++) {
    assembly = (result_file[i] in file_assembly) ? file_assembly[result_file[i]] : "(unknown assembly)"
    seen[assembly] = 1
    outcome = result_outcome[i]
    if (outcome == "Passed") { passed++; ran[assembly]++ }
    else if (outcome == "NotExecuted") { skipped++; skipped_in[assembly]++; skip_list[++skips] = i; skip_assembly[skips] = assembly }
    else { failed++; ran[assembly]++ }
  }

  print "Tests run per assembly, against the minimum recorded in " minimums ":"
  for (i = 1; i <= assemblies; i++) {
    assembly = order[i]
    count = ran[assembly] + 0
    if (!(assembly in seen)) { line = sprintf("  %-48s %6s / %d   MISSING: it reported no tests", assembly, "-", minimum[assembly]); print line; problem(assembly " is missing: it reported no tests (recorded minimum " minimum[assembly] ")."); continue }
    note = ""
    if (count < minimum[assembly]) { note = "   FEWER THAN THE MINIMUM"; problem(assembly " ran " count " tests, fewer than its recorded minimum of " minimum[assembly] ".") }
    else if (count > minimum[assembly]) note = "   (more: raise its minimum in " minimums ")"
    printf "  %-48s %6d / %d%s\n", assembly, count, minimum[assembly], note
  }
  for (assembly in seen) {
    if (!(assembly in minimum)) {
      printf "  %-48s %6d / -   NO MINIMUM\n", assembly, ran[assembly] + 0
      problem(assembly " ran " (ran[assembly] + 0) " tests but has no minimum: add \"" assembly " " (ran[assembly] + 0) "\" to " minimums ".")
    }
  }

  if (skips == 0) print "Skipped tests: none"
  else print "Skipped tests (" skips "):"
  for (i = 1; i <= skips; i++) {
    name = result_name[skip_list[i]]
    reason = (skip_list[i] in result_reason) ? result_reason[skip_list[i]] : "no reason given"
    base = name; sub(/\(.*$/, "", base)
    if (name in allowed) key = name
    else if (base in allowed) key = base
    else key = ""
    if (key != "") print "  " skip_assembly[i] ": " name " (skipped: " reason "; allowed: " allowed[key] ")"
    else {
      print "  " skip_assembly[i] ": " name " (skipped: " reason ")   NOT ALLOW-LISTED"
      problem(name " was skipped and is not in " allowlist "; fix or run it, or list it there with a reason.")
    }
  }

  printf "totals passed=%d failed=%d skipped=%d problems=%d\n", passed, failed, skipped, problems
  exit (problems > 0 ? 1 : 0)
}
' phase=allow "$allowlist" phase=min "$minimums" phase=trx "${trx[@]}"
