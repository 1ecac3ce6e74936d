#!/bin/sh
# ClaudeMeter @VERSION@ for Linux as one file: this POSIX shell script, then the folder bundle
# as a tar archive compressed with xz (the last @SIZE@ bytes of this file, SHA-256 @SHA256@).
# packaging/single_file.py writes it from packaging/single-file-stub.sh.
#
# The first start of this build checks the archive against its SHA-256 and unpacks it into
#     ${XDG_CACHE_HOME:-$HOME/.cache}/claude-meter/@KEY@/
# by way of a temporary folder beside it that is renamed into place once complete, so that
# folder, when it exists, is whole (a start racing this one keeps whichever copy was renamed
# first). That start also removes the other builds' folders that no running program uses.
# Every later start only replaces this script with the program there (exec: same process,
# same terminal, same exit status).
#
# When the cache cannot be used (no HOME; a read-only, full or noexec disk), the bundle is
# unpacked into a temporary folder instead, run, and removed when the program ends, as a
# PyInstaller single file does at every start. `rm -rf ~/.cache/claude-meter` is always safe:
# the next start unpacks again. Needs what every Linux desktop has: sh, coreutils, tar and xz.

version='@VERSION@'
key='@KEY@'
payload_sha256='@SHA256@'
payload_size=@SIZE@
program='@PROGRAM@'

say() {
    printf 'claude-meter: %s\n' "$*" >&2
}

# This file, as an absolute path: the program is told it (CLAUDE_METER_SINGLE_FILE) so that
# what it records about itself, such as the autostart entry, names this file, not the cache.
case $0 in
    /*) self=$0 ;;
    *) self=${PWD:-$(pwd)}/${0#./} ;;
esac

# XDG base directories: a relative path is invalid and ignored.
case ${XDG_CACHE_HOME-} in
    /*) cache=$XDG_CACHE_HOME/claude-meter ;;
    *)
        case ${HOME-} in
            /*) cache=${HOME%/}/.cache/claude-meter ;;
            *) cache= ;;
        esac
        ;;
esac

whole() {
    [ -f "$1/.complete" ] && [ -x "$1/$program" ]
}

launch() {
    folder=$1
    shift
    CLAUDE_METER_SINGLE_FILE=$self
    export CLAUDE_METER_SINGLE_FILE
    exec "$folder/$program" "$@"
}

need() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || {
            say "unpacking needs '$tool', which is not installed"
            exit 1
        }
    done
}

# The archive is what the build wrote: not cut short by a download, not altered.
verify() {
    command -v sha256sum >/dev/null 2>&1 || return 0 # then xz's own check is the only one
    sum=$(tail -c "$payload_size" "$self" | sha256sum) || return 1
    [ "${sum%% *}" = "$payload_sha256" ]
}

unpack_into() {
    tail -c "$payload_size" "$self" | xz -dc -T0 2>/dev/null | tar -xf - -C "$1" 2>/dev/null &&
        whole "$1"
}

# A build's folder (<version>-<16 hex digits>) or a temporary one left by a start that was
# killed: removed unless a running program was started from it.
clean_old() {
    [ -e /proc/self/exe ] || return 0 # without /proc, whether one is in use cannot be told
    running=$(ls -l /proc/[0-9]*/exe 2>/dev/null)
    for old in "$cache"/*-????????????????/ "$cache"/.unpacking.*/ "$cache"/.damaged.*/; do
        old=${old%/}
        if [ ! -d "$old" ] || [ "$old" = "$cache/$key" ]; then
            continue
        fi
        case ${old##*/} in
            .unpacking.*)
                pid=${old##*/.unpacking.}
                ! kill -0 "${pid%%.*}" 2>/dev/null || continue
                ;;
            .damaged.*) ;;
            *)
                case ${old##*-} in
                    *[!0-9a-f]*) continue ;;
                esac
                ;;
        esac
        case $running in
            *" -> $old/"*) continue ;;
        esac
        rm -rf "$old" 2>/dev/null
    done
}

# Runs the program in folder $1 as a child, passes on the signals that stop it, removes the
# folder once the program has ended and exits with its status.
run_and_remove() {
    folder=$1
    shift
    child=
    stop=
    trap 'stop=TERM; [ -z "$child" ] || kill -TERM "$child" 2>/dev/null' INT TERM
    trap 'stop=HUP; [ -z "$child" ] || kill -HUP "$child" 2>/dev/null' HUP
    CLAUDE_METER_SINGLE_FILE=$self
    export CLAUDE_METER_SINGLE_FILE
    # A background job's standard input would be /dev/null: hand it the real one (if open).
    if { command exec 3<&0; } 2>/dev/null; then
        "$folder/$program" "$@" <&3 3<&- &
        child=$!
        exec 3<&-
    else
        "$folder/$program" "$@" &
        child=$!
    fi
    [ -z "$stop" ] || kill "-$stop" "$child" 2>/dev/null
    while :; do
        wait "$child"
        status=$?
        # wait returns early when a trapped signal arrives: wait again until the child is gone.
        kill -0 "$child" 2>/dev/null || break
    done
    rm -rf "$folder"
    exit "$status"
}

# --- every start after the first: run the unpacked copy ----------------------------------------

if [ -n "$cache" ] && whole "$cache/$key"; then
    launch "$cache/$key" "$@"
fi

# --- the first start: check, unpack into the cache, run -----------------------------------------

need tail tar xz mktemp
if ! verify; then
    say "$self (ClaudeMeter $version) is damaged or incomplete: download it again"
    exit 1
fi

if [ -n "$cache" ] && (umask 077 && mkdir -p "$cache") 2>/dev/null &&
    tmp=$(mktemp -d "$cache/.unpacking.$$.XXXXXX" 2>/dev/null); then
    if unpack_into "$tmp"; then
        # A folder of this name that is not complete was damaged since: set it aside.
        if [ -e "$cache/$key" ] && ! whole "$cache/$key" &&
            aside=$(mktemp -d "$cache/.damaged.XXXXXX" 2>/dev/null); then
            mv -f "$cache/$key" "$aside/" 2>/dev/null
        fi
        if mv -T "$tmp" "$cache/$key" 2>/dev/null; then
            clean_old
            launch "$cache/$key" "$@"
        fi
        # Another start renamed its copy first: use that one.
        if whole "$cache/$key"; then
            rm -rf "$tmp"
            launch "$cache/$key" "$@"
        fi
        run_and_remove "$tmp" "$@"
    fi
    rm -rf "$tmp"
fi

# --- no usable cache: a temporary copy for this run only ---------------------------------------

case ${TMPDIR-} in
    /*) temp_root=$TMPDIR ;;
    *) temp_root=/tmp ;;
esac
if [ -n "$cache" ]; then
    say "cannot use $cache (read-only, full or noexec?): using a temporary copy for this run"
fi
tmp=$(mktemp -d "$temp_root/claude-meter.XXXXXX") || exit 1
if ! unpack_into "$tmp"; then
    rm -rf "$tmp"
    say "cannot unpack into $temp_root (full?)"
    exit 1
fi
run_and_remove "$tmp" "$@"
# shellcheck disable=SC2317 # not reached (run_and_remove exits); the shell never reads on
exit 1
