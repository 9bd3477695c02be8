# config_compare.sh - "flamegate compare" with a config file: a budget fails
# identical profiles, presets silence environment-driven frames, and the
# file sits under the environment and the flags.
. tests/cli/lib.sh
for v in $(env | sed -n 's/^\(FLAMEGATE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
$FG compare --help | grep -q -- '--config FILE' ||
    skip "compare does not read config files yet"
root=$PWD
b=$TMP/base.folded c=$TMP/cand.folded
printf 'main;main.encodeJSON 400\nmain;main.parse 300\nruntime.asyncPreempt 100\nmain;main.asyncPreemptHandler 100\nmain;main.other 100\n' > $b
cp $b $c

# identical profiles, one function at 40% against a 30% budget: FAIL
expect_exit 0 $FG compare $b $c
expect_exit 1 $FG compare --config testdata/config/budget.json $b $c
contains $TMP/out "over budget"
contains $TMP/out "main.encodeJSON"
contains $TMP/out "rules[0]"

# runtime.asyncPreempt (a stack of its own: under a caller it would count
# as the caller's time) jumps from 10% to 40% (a loaded runner): within
# the extra noise of preemption by default; it fails the gate with the
# environment model off, unless the go-runtime-scheduling preset ignores it
printf 'main;main.encodeJSON 400\nmain;main.parse 300\nruntime.asyncPreempt 600\nmain;main.asyncPreemptHandler 100\nmain;main.other 100\n' > $c
expect_exit 0 $FG compare $b $c
expect_exit 1 $FG compare --env-noise off $b $c
contains $TMP/out "runtime.asyncPreempt"
printf '{"ignore_presets": ["go-runtime-scheduling"], "env_noise": false}\n' > $TMP/presets.json
expect_exit 0 $FG compare --config $TMP/presets.json $b $c
cp $b $c

# .flamegate.json in the working directory; environment and flags on top
mkdir $TMP/proj
printf '{"format": "json", "base": "%s", "candidate": "%s"}\n' $b $c > $TMP/proj/.flamegate.json
cd $TMP/proj
expect_exit 0 $FG compare
head -c 1 $TMP/out | grep -q '{' || fail "format from .flamegate.json not used"
FLAMEGATE_FORMAT=markdown expect_exit 0 $FG compare
lacks $TMP/out '"schema_version"'
FLAMEGATE_FORMAT=markdown expect_exit 0 $FG compare --format text
contains $TMP/out "PASS"
lacks $TMP/out '"schema_version"'
# BASE CANDIDATE on the command line replace the file's sides
expect_exit 2 $FG compare $TMP/nope-a $TMP/nope-b
contains $TMP/err "nope-a"
# a broken file stops the gate (exit 2), but --help still works
printf '{"min_chnage": 1}\n' > .flamegate.json
expect_exit 2 $FG compare $b $c
contains $TMP/err "config '.flamegate.json': unknown key 'min_chnage' (did you mean 'min_change'?)"
expect_exit 0 $FG compare --help
cd "$root"
