#!/usr/bin/env bash
# run.sh - the logic of the flamegate GitHub Action (action/action.yml).
#
# Kept out of action.yml so it can run and be tested outside GitHub: every
# input arrives as an INPUT_<NAME> environment variable (set in the step's
# env: block, never spliced into shell text), the results go to the files
# named by GITHUB_OUTPUT and GITHUB_STEP_SUMMARY, annotations to stdout.
#
#   run.sh prepare   choose the binary, the build directory and cache key
#   run.sh build     install the build dependencies (apt-get) and build
#                    flamegate with make, unless a cached binary works
#                    (make is $MAKE when set, as make itself does; the
#                    tests point it at a failing command)
#   run.sh gate      run 'flamegate compare', write the summary, outputs
#                    and annotations, create or update the PR comment, and
#                    exit according to fail-on
#
# Exit status of 'gate': 0 pass; 1 the gate failed (FAIL, or MARGINAL with
# fail-on: marginal); 2 bad input or a flamegate error; 3 a backend fetch
# failed (2 and 3 become 0 with on-error: pass, as in flamegate itself).
# Whenever the comparison was not made (bad input, no binary, flamegate
# failed or on-error: pass let it through) the verdict output is ERROR.
set -u

ACTION_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$ACTION_DIR/.." && pwd)
MAX_ANNOTATIONS=10       # GitHub shows 10 errors per step, drops the rest
SUMMARY_MAX=1000000      # GitHub refuses step summaries over 1 MiB

# ---------------------------------------------------------------- helpers

note() { printf 'flamegate-action: %s\n' "$*" >&2; }

# Random token for output delimiters and ::stop-commands::.
token() { od -An -N12 -tx1 /dev/urandom | tr -d ' \n'; }

# Workflow command escaping (actions/toolkit command.ts).
esc_data() {
    local s=$1
    s=${s//'%'/'%25'}
    s=${s//$'\r'/'%0D'}
    s=${s//$'\n'/'%0A'}
    printf '%s' "$s"
}
esc_prop() {
    local s
    s=$(esc_data "$1")
    s=${s//':'/'%3A'}
    s=${s//','/'%2C'}
    printf '%s' "$s"
}

# annotate LEVEL TITLE MESSAGE
annotate() {
    printf '::%s title=%s::%s\n' "$1" "$(esc_prop "$2")" "$(esc_data "$3")"
}

# set_output NAME VALUE: one line, or a heredoc with a random delimiter.
set_output() {
    [ -n "${GITHUB_OUTPUT:-}" ] || return 0
    if [[ $2 == *$'\n'* || $2 == *$'\r'* ]]; then
        local d
        d="ghadelim_$(token)"
        printf '%s<<%s\n%s\n%s\n' "$1" "$d" "$2" "$d" >>"$GITHUB_OUTPUT"
    else
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    fi
}

summary() {
    [ -n "${GITHUB_STEP_SUMMARY:-}" ] || return 0
    printf '%s\n' "$@" >>"$GITHUB_STEP_SUMMARY"
}

# Print untrusted text (symbol names, server messages) without letting it
# issue workflow commands.
print_untrusted() {
    local t
    t=$(token)
    printf '::stop-commands::%s\n' "$t"
    cat -- "$@"
    printf '::%s::\n' "$t"
}

trim() {
    local s=$1
    s=${s#"${s%%[![:space:]]*}"}
    s=${s%"${s##*[![:space:]]}"}
    printf '%s' "$s"
}

# Flatten a JSON document into "PATH<TAB>VALUE" lines (.key, [i]); string
# values keep their JSON escapes except \" \\ \/, so every value is one
# line.  Linear time: records are split at quotes, escaped quotes rejoined.
json_flat() {
    awk '
    function path(   p) {
        if (d == 0) return ""
        if (typ[d] == "o") return pre[d] "." key[d]
        return pre[d] "[" idx[d] "]"
    }
    function emit(v) { print path() "\t" v }
    function unescape(s,   out, i, c) {
        out = ""
        while ((i = index(s, "\\")) > 0) {
            c = substr(s, i + 1, 1)
            if (c == "\"" || c == "\\" || c == "/")
                out = out substr(s, 1, i - 1) c
            else
                out = out substr(s, 1, i + 1)
            s = substr(s, i + 2)
        }
        return out s
    }
    function flush() { if (scalar != "") { emit(scalar); scalar = "" } }
    function outside(t,   i, c, n, p) {
        n = length(t)
        for (i = 1; i <= n; i++) {
            c = substr(t, i, 1)
            if (c == "{" || c == "[") {
                p = path(); d++; pre[d] = p; idx[d] = 0
                typ[d] = (c == "{") ? "o" : "a"; want[d] = (c == "{")
            } else if (c == "}" || c == "]") {
                flush(); d--
            } else if (c == ",") {
                flush()
                if (typ[d] == "o") want[d] = 1; else idx[d]++
            } else if (c == ":" || c == " " || c == "\t" || c == "\n" ||
                       c == "\r") {
                flush()
            } else {
                scalar = scalar c
            }
        }
    }
    function string_done(s) {
        if (d > 0 && typ[d] == "o" && want[d]) { key[d] = s; want[d] = 0 }
        else emit(unescape(s))
    }
    BEGIN { RS = "\""; d = 0; instr = 0 }
    {
        if (instr) {
            str = str $0
            match($0, /\\+$/)
            if (RSTART > 0 && RLENGTH % 2 == 1) { str = str "\""; next }
            string_done(str); instr = 0
        } else {
            outside($0); instr = 1; str = ""
        }
    }
    END { flush() }' "$1"
}

# ---------------------------------------------------------------- prepare

cmd_prepare() {
    rm -f "$STATE_FILE"
    if [ -n "${INPUT_FLAMEGATE:-}" ]; then
        set_output bin "$INPUT_FLAMEGATE"
        set_output build false
        set_output use-cache false
        return 0
    fi
    if [ "${RUNNER_OS:-Linux}" != Linux ]; then
        step_error "the flamegate action builds on Linux runners (apt-get); set the 'flamegate' input to a prebuilt binary elsewhere"
        return 2
    fi
    local dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/flamegate-action"
    local hash os=unknown f
    local -a srcs=()
    for f in Makefile src include; do [ -e "$ROOT/$f" ] && srcs+=("$f"); done
    hash=$(cd "$ROOT" && find "${srcs[@]}" -type f -print0 |
        LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-20)
    if [ -r /etc/os-release ]; then
        os=$(. /etc/os-release && printf '%s%s' "${ID:-linux}" "${VERSION_ID:-}")
    fi
    set_output bin "$dir/bin/flamegate"
    set_output build-dir "$dir/build"
    set_output cache-path "$dir/bin"
    # The binary links shared libraries: the key names the OS image too.
    set_output cache-key "flamegate-${RUNNER_OS:-Linux}-${RUNNER_ARCH:-X64}-${os}-${hash}"
    set_output build true
    case "${INPUT_CACHE:-true}" in
        false) set_output use-cache false ;;
        *) set_output use-cache true ;;
    esac
}

# ------------------------------------------------------------------ build

# runs_ok BIN: BIN (a path, or a command on PATH) runs.
runs_ok() { [ -n "$1" ] && "$1" --version >/dev/null 2>&1; }

# Where prepare and build leave the reason they failed, so that the gate
# step (which runs anyway, to set the outputs) does not annotate twice.
STATE_FILE="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/flamegate-action/step-error"

# step_error MESSAGE: the ::error annotation of a failed prepare or build
step_error() {
    annotate error flamegate "$1"
    mkdir -p "$(dirname "$STATE_FILE")" && printf '%s\n' "$1" >"$STATE_FILE"
}

# run_logged LOG CMD...: run CMD, its stderr both in the log and in LOG.
run_logged() {
    local log=$1 rc
    shift
    "$@" 2>"$log"
    rc=$?
    cat -- "$log" >&2
    return $rc
}

# The last line of LOG that says what went wrong, for an annotation.
last_error() {
    grep -E 'flamegate: |error|Error|E: ' "$1" 2>/dev/null | tail -n 1 | cut -c1-300
}

cmd_build() {
    local bin=${FLAMEGATE_BIN:?FLAMEGATE_BIN not set}
    local bdir=${FLAMEGATE_BUILD_DIR:-$(dirname "$(dirname "$bin")")/build}
    local mk=${MAKE:-make} log rc why
    rm -f "$STATE_FILE"
    if runs_ok "$bin"; then
        note "using cached $("$bin" --version)"
        return 0
    fi
    log=$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/flamegate-make.XXXXXX") || return 2
    printf '::group::%s\n' "install build dependencies"
    # make deps: apt-get through sudo when not root; one package list.
    run_logged "$log" "$mk" -C "$ROOT" deps
    rc=$?
    printf '::endgroup::\n'
    if [ $rc -ne 0 ]; then
        why=$(last_error "$log")
        step_error "installing the build dependencies failed: '$mk -C $ROOT deps' exited $rc${why:+: $why}"
        rm -f "$log"
        return 2
    fi
    if runs_ok "$bin"; then
        note "using cached $("$bin" --version) (runtime libraries installed)"
        rm -f "$log"
        return 0
    fi
    printf '::group::%s\n' "build flamegate"
    run_logged "$log" "$mk" -C "$ROOT" -j"$(nproc 2>/dev/null || echo 2)" B="$bdir" "$bdir/flamegate"
    rc=$?
    printf '::endgroup::\n'
    if [ $rc -ne 0 ]; then
        why=$(last_error "$log")
        step_error "building flamegate failed: '$mk -C $ROOT B=$bdir $bdir/flamegate' exited $rc${why:+: $why}"
        rm -f "$log"
        return 2
    fi
    rm -f "$log"
    if ! { mkdir -p "$(dirname "$bin")" && cp "$bdir/flamegate" "$bin"; }; then
        step_error "cannot copy the built flamegate to '$bin'"
        return 2
    fi
    note "built $("$bin" --version)"
}

# ------------------------------------------------------------------- gate

# Build the 'flamegate compare' argument list in the array ARGS.
compare_args() {
    local line n=0 f
    ARGS=(compare)
    while IFS= read -r line; do
        line=$(trim "$line")
        [ -n "$line" ] && ARGS+=(--base "$line") && n=$((n + 1))
    done <<<"${INPUT_BASE:-}"
    while IFS= read -r line; do
        line=$(trim "$line")
        [ -n "$line" ] && ARGS+=(--candidate "$line") && n=$((n + 1))
    done <<<"${INPUT_CANDIDATE:-}"
    local -a pairs=(
        backend "${INPUT_BACKEND:-}" url "${INPUT_URL:-}"
        profile-type "${INPUT_PROFILE_TYPE:-}" selector "${INPUT_SELECTOR:-}"
        version-label "${INPUT_VERSION_LABEL:-}"
        base-version "${INPUT_BASE_VERSION:-}"
        candidate-version "${INPUT_CANDIDATE_VERSION:-}"
        from "${INPUT_FROM:-}" until "${INPUT_UNTIL:-}" runs "${INPUT_RUNS:-}"
        tenant "${INPUT_TENANT:-}" config "${INPUT_CONFIG:-}"
        min-change "${INPUT_MIN_CHANGE:-}" min-delta "${INPUT_MIN_DELTA:-}"
        alpha "${INPUT_ALPHA:-}" inconclusive "${INPUT_INCONCLUSIVE:-}"
        on-error "${INPUT_ON_ERROR:-}")
    for ((f = 0; f < ${#pairs[@]}; f += 2)); do
        line=$(trim "${pairs[f + 1]}")
        [ -n "$line" ] && ARGS+=("--${pairs[f]}" "$line")
    done
    if [ -n "${INPUT_BACKEND_TOKEN:-}" ]; then
        # The secret stays in the environment; only its name is an argument.
        export FG_ACTION_BACKEND_TOKEN=$INPUT_BACKEND_TOKEN
        ARGS+=(--token-env FG_ACTION_BACKEND_TOKEN)
    fi
    if [ $n -eq 0 ] && [ -z "$(trim "${INPUT_BACKEND:-}")" ]; then
        bad_input "nothing to compare: set 'base' and 'candidate' (files, directories or globs) or the backend inputs"
        return 2
    fi
    ARGS+=(--marker-id "$COMMENT_ID" --format text
        -o "markdown=$REPORT_DIR/report.md" -o "json=$REPORT_DIR/report.json")
    local -a fmts=()
    IFS=$', \t\n' read -r -a fmts <<<"${INPUT_FORMATS:-}"
    for f in "${fmts[@]}"; do
        case "$f" in
            markdown | json) ;;
            html | folded) ARGS+=(-o "$f=$REPORT_DIR/report.$f") ;;
            text) ARGS+=(-o "text=$REPORT_DIR/report.txt") ;;
            *) bad_input "unknown report format '$f' (markdown, json, html, folded, text)"
               return 2 ;;
        esac
    done
    while IFS= read -r line; do
        line=$(trim "$line")
        [ -n "$line" ] && ARGS+=("$line")
    done <<<"${INPUT_ARGS:-}"
    return 0
}

# bad_input MESSAGE: an input the gate cannot run with.
bad_input() {
    annotate error flamegate "$1"
    EARLY_ERROR=$1
}

check_choices() {
    case "$FAIL_ON" in fail | marginal | never) ;; *)
        bad_input "bad fail-on '$FAIL_ON' (fail, marginal or never)"
        return 2 ;;
    esac
    case "$COMMENT" in true | false | on-change) ;; *)
        bad_input "bad comment '$COMMENT' (true, false or on-change)"
        return 2 ;;
    esac
    case "$MAX_ANN" in '' | *[!0-9]*)
        bad_input "bad annotations '$MAX_ANN' (0 to $MAX_ANNOTATIONS)"
        return 2 ;;
    esac
    [ "$MAX_ANN" -le "$MAX_ANNOTATIONS" ] || MAX_ANN=$MAX_ANNOTATIONS
    if [[ ! $COMMENT_ID =~ ^[A-Za-z0-9._-]{1,100}$ ]]; then
        bad_input "bad comment-id '$COMMENT_ID' (letters, digits, '.', '_', '-')"
        return 2
    fi
}

# The gate could not run at all (bad input, no binary): every output is
# set, the verdict to ERROR, and the summary says why.  Returns 2.
early_exit() {
    local k
    set_output verdict ERROR
    set_output exit-code 2
    set_output failed true
    for k in regressions improvements marginal new vanished report-markdown \
        report-json report-html report-folded report-text comment-url; do
        set_output "$k" ""
    done
    set_output report-dir "${REPORT_DIR:-}"
    set_output comment-status skipped
    summary "### flamegate: error" "" "$EARLY_ERROR" ""
    note "flamegate did not run: $EARLY_ERROR"
    return 2
}

# One line per FAIL finding ("TITLE (RULE)", the report's order: largest
# change first), then per function over its budget ("NAME: A -> B of
# samples, over budget"), from the flattened JSON report (schema_version 2:
# findings[].level, .title, .rule; functions[].flags, .base.share,
# .candidate.share).
regressions() {
    awk -F'\t' '
    match($1, /^\.findings\[[0-9]+\]/) {
        i = substr($1, 11, RLENGTH - 11) + 0; f = substr($1, RLENGTH + 1)
        if (f == ".level" && $2 == "FAIL") fail[i] = 1
        else if (f == ".title") title[i] = $2
        else if (f == ".rule") rule[i] = $2
        if (i + 1 > nf) nf = i + 1
    }
    match($1, /^\.functions\[[0-9]+\]/) {
        i = substr($1, 12, RLENGTH - 12) + 0; f = substr($1, RLENGTH + 1)
        if (f == ".name") name[i] = $2
        else if (f ~ /^\.flags\[/ && $2 == "budget") bud[i] = 1
        else if (f == ".base.share") bs[i] = $2
        else if (f == ".candidate.share") cs[i] = $2
        if (i + 1 > nr) nr = i + 1
    }
    END {
        for (i = 0; i < nf; i++)
            if (i in fail) print title[i] (rule[i] != "" ? " (" rule[i] ")" : "")
        for (i = 0; i < nr; i++)
            if (i in bud)
                printf "%s: %.2f%% -> %.2f%% of samples, over its budget\n",
                       name[i], bs[i] * 100, cs[i] * 100
    }' "$1"
}

json_field() { awk -F'\t' -v k="$2" '$1 == k { print $2; exit }' "$1"; }


emit_annotations() {
    local flat=$1 level=$2 n=0 msg
    [ "$MAX_ANN" -gt 0 ] || return 0
    while IFS= read -r msg; do
        [ $n -lt "$MAX_ANN" ] || break
        annotate "$level" "flamegate regression" "$msg"
        n=$((n + 1))
    done < <(regressions "$flat")
}

write_summary() {
    local md=$REPORT_DIR/report.md
    [ -n "${GITHUB_STEP_SUMMARY:-}" ] || return 0
    if [ -s "$md" ]; then
        if [ "$(wc -c <"$md")" -le $SUMMARY_MAX ]; then
            cat -- "$md" >>"$GITHUB_STEP_SUMMARY"
            summary ""
        else
            summary "### flamegate: report too large for the job summary" "" \
                "The markdown report is over 1 MiB; it is in the report artifacts ($md)."
        fi
    else
        if [ $RC -eq 0 ]; then
            summary "### flamegate: the gate did not run (on-error: pass)" ""
        else
            summary "### flamegate: error (exit $RC)" ""
        fi
        summary '````text'
        tail -n 20 -- "$REPORT_DIR/stderr.txt" | sed 's/````/```/g' >>"$GITHUB_STEP_SUMMARY"
        summary '````'
    fi
}

# The first error flamegate printed, without its prefix.
first_error() {
    grep -m1 'error:' "$REPORT_DIR/stderr.txt" | sed 's/^flamegate: error: //' | cut -c1-300
}

# Names of the functions whose status is marginal, comma-separated (at
# most three, then "...").
marginal_names() {
    awk -F'\t' '
    match($1, /^\.functions\[[0-9]+\]/) {
        i = substr($1, 12, RLENGTH - 12); f = substr($1, RLENGTH + 1)
        if (f == ".name") name[i] = $2
        else if (f == ".status" && $2 == "marginal") m[i] = 1
    }
    END {
        n = 0
        for (i = 0; i in name || i in m; i++) {
            if (!(i in m)) continue
            if (n == 3) { out = out ", ..."; break }
            out = (n ? out ", " : "") name[i]; n++
        }
        print out
    }' "$1"
}

# annotate_outcome FLAT FAIL: the ::error or ::warning that says why the
# step failed, or why it passed without a comparison.
annotate_outcome() {
    local flat=$1 fail=$2 reason names would
    reason=$(json_field "$flat" .reason)
    if [ $RC -ge 2 ]; then
        annotate error flamegate "flamegate compare failed (exit $RC): $(first_error)"
    elif [ "$VERDICT" = ERROR ]; then
        # on-error: pass turned an error into exit 0: loud, not silent.
        would=$(sed -n 's/.*exit code would have been \([0-9]*\).*/\1/p' "$REPORT_DIR/stderr.txt" | head -n 1)
        annotate warning flamegate "the gate did not run${would:+ (flamegate would have exited $would)}: $(first_error); on-error: pass lets the step pass without a comparison"
    elif [ "$fail" -eq 1 ] && [ "$VERDICT" = MARGINAL ]; then
        names=$(marginal_names "$flat")
        annotate error flamegate "MARGINAL fails the step because fail-on is marginal: ${reason:-a significant change below the thresholds}${names:+ ($names)}; fail-on: fail would pass it"
    elif [ "$fail" -eq 1 ] && [ "$VERDICT" = INCONCLUSIVE ]; then
        annotate error flamegate "INCONCLUSIVE fails the step because inconclusive is fail: ${reason:-too little data}"
    fi
}

# The PR number when this run is about a pull request, else empty.
pr_number() {
    if [ -n "${INPUT_PR_NUMBER:-}" ]; then
        printf '%s' "$(trim "$INPUT_PR_NUMBER")"
        return
    fi
    case "${GITHUB_EVENT_NAME:-}" in
        pull_request | pull_request_target | pull_request_review | \
            pull_request_review_comment) printf 'event' ;;
    esac
}

post_comment() {
    local md=$REPORT_DIR/report.md pr status=skipped url="" why
    local -a cargs=(comment --id "$COMMENT_ID" --tolerate-forbidden)
    pr=$(pr_number)
    if [ "$COMMENT" = false ]; then
        status=disabled
    elif [ ! -s "$md" ]; then
        note "no markdown report, so no PR comment"
    elif [ -z "$pr" ]; then
        note "not a pull request event (${GITHUB_EVENT_NAME:-none}): no PR comment"
    elif [ -z "${INPUT_GITHUB_TOKEN:-}" ]; then
        annotate warning flamegate "no github-token: no PR comment posted"
    else
        [ "$pr" != event ] && cargs+=(--pr "$pr")
        [ "$COMMENT" = on-change ] && cargs+=(--if-changed)
        GITHUB_TOKEN=$INPUT_GITHUB_TOKEN "$FLAMEGATE" "${cargs[@]}" "$md" \
            >"$REPORT_DIR/comment.out" 2>"$REPORT_DIR/comment.err"
        local crc=$?
        print_untrusted "$REPORT_DIR/comment.err" >&2
        url=$(head -n 1 "$REPORT_DIR/comment.out")
        if [ $crc -ne 0 ]; then
            status=failed
            why=$(grep -m1 'error:' "$REPORT_DIR/comment.err" | sed 's/^flamegate: error: //')
            annotate warning "flamegate PR comment" "the PR comment could not be posted: ${why:-exit $crc}"
        elif grep -q 'no comment posted' "$REPORT_DIR/comment.err"; then
            status=forbidden
            why=$(grep -m1 'no comment posted' "$REPORT_DIR/comment.err" | sed 's/^flamegate: warning: //')
            annotate warning "flamegate PR comment" "$why"
            summary "> [!NOTE]" "> No PR comment was posted: the token of this run cannot write to the pull request (pull requests from forks get a read-only token). The report above is the result; see examples/github-fork-safe.yml to comment from a workflow_run." ""
        elif grep -q 'left unchanged comment' "$REPORT_DIR/comment.err"; then
            status=unchanged
        elif grep -q 'updated comment' "$REPORT_DIR/comment.err"; then
            status=updated
        else
            status=created
        fi
    fi
    set_output comment-status "$status"
    set_output comment-url "$url"
}

cmd_gate() {
    FLAMEGATE=${FLAMEGATE:-$ROOT/flamegate}
    FAIL_ON=$(trim "${INPUT_FAIL_ON:-fail}")
    COMMENT=$(trim "${INPUT_COMMENT:-true}")
    COMMENT_ID=$(trim "${INPUT_COMMENT_ID:-default}")
    MAX_ANN=$(trim "${INPUT_ANNOTATIONS:-$MAX_ANNOTATIONS}")
    REPORT_DIR=$(trim "${INPUT_REPORT_DIR:-}")
    REPORT_DIR=${REPORT_DIR:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/flamegate-report}
    EARLY_ERROR=
    check_choices || { early_exit; return 2; }
    if ! runs_ok "$FLAMEGATE"; then
        if [ -s "$STATE_FILE" ]; then
            # prepare or build failed and said why in its own annotation
            EARLY_ERROR="no flamegate binary: $(head -n 1 "$STATE_FILE")"
        else
            bad_input "flamegate '$FLAMEGATE' does not run (check the 'flamegate' input)"
        fi
        early_exit
        return 2
    fi
    if ! mkdir -p "$REPORT_DIR"; then
        bad_input "cannot create the report directory '$REPORT_DIR'"
        early_exit
        return 2
    fi
    # Only the files this script writes: no stale report from a past run.
    (cd "$REPORT_DIR" && rm -f report.md report.json report.html \
        report.folded report.txt comment.out comment.err stdout.txt \
        stderr.txt flat.tsv)
    compare_args || { early_exit; return 2; }

    "$FLAMEGATE" "${ARGS[@]}" >"$REPORT_DIR/stdout.txt" 2>"$REPORT_DIR/stderr.txt"
    RC=$?
    print_untrusted "$REPORT_DIR/stdout.txt" "$REPORT_DIR/stderr.txt"

    local flat=$REPORT_DIR/flat.tsv
    VERDICT=ERROR
    : >"$flat"
    [ -s "$REPORT_DIR/report.json" ] && json_flat "$REPORT_DIR/report.json" >"$flat"
    [ -s "$flat" ] && VERDICT=$(json_field "$flat" .verdict)
    case "$VERDICT" in PASS | MARGINAL | FAIL | INCONCLUSIVE) ;; *) VERDICT=ERROR ;; esac

    local fail=0
    if [ $RC -ge 2 ]; then
        fail=$RC
    elif [ "$FAIL_ON" = fail ] && [ $RC -eq 1 ]; then
        fail=1
    elif [ "$FAIL_ON" = marginal ] && { [ $RC -eq 1 ] || [ "$VERDICT" = MARGINAL ]; }; then
        fail=1
    fi

    set_output verdict "$VERDICT"
    set_output exit-code "$RC"
    local k
    local v
    for k in regressions improvements marginal new vanished; do
        v=$(json_field "$flat" ".summary.$k")
        [ -n "$v" ] || v=$(json_field "$flat" ".counts.$k")
        set_output "$k" "$v"
    done
    set_output report-dir "$REPORT_DIR"
    for k in md:markdown json:json html:html folded:folded txt:text; do
        if [ -s "$REPORT_DIR/report.${k%%:*}" ]; then
            set_output "report-${k#*:}" "$REPORT_DIR/report.${k%%:*}"
        else
            set_output "report-${k#*:}" ""
        fi
    done
    set_output failed "$([ $fail -ne 0 ] && echo true || echo false)"

    write_summary
    annotate_outcome "$flat" "$fail"
    if [ $RC -lt 2 ]; then
        # Annotations are errors when this verdict fails the step.
        local level=error
        [ "$FAIL_ON" = never ] && level=warning
        emit_annotations "$flat" "$level"
    fi
    post_comment

    case $fail in
        0) note "verdict $VERDICT (exit $RC, fail-on: $FAIL_ON): passing" ;;
        1) note "verdict $VERDICT (exit $RC, fail-on: $FAIL_ON): failing the step" ;;
        *) note "flamegate failed (exit $RC): failing the step" ;;
    esac
    return $fail
}

case "${1:-gate}" in
    prepare) cmd_prepare ;;
    build) cmd_build ;;
    gate) cmd_gate ;;
    json-flat) json_flat "${2:?usage: run.sh json-flat FILE}" ;;
    *) echo "usage: run.sh prepare|build|gate" >&2; exit 2 ;;
esac
