# Sanitizer run-time options shared by tools/run-tests.sh --sanitize and tools/fuzz.sh (sourced).
# UB and TSan reports end the process, so a finding fails its test; suppressions (next to
# this file) list third-party reports only, each with its reason.
sanitizers_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# allocator_may_return_null: the runtime reports a failed allocation as a status (tests ask
# for 2^62 bytes on purpose); without it ASan aborts instead of returning null.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:strict_string_checks=1:check_initialization_order=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$sanitizers_dir/lsan.supp"
# die_after_fork=0: RuntimeTest checks that a forked child starts a fresh thread pool; TSan
# refuses new threads after a multi-threaded fork unless told to go on.
export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}halt_on_error=1:die_after_fork=0:suppressions=$sanitizers_dir/tsan.supp"
