#!/bin/dash
# The process-heavy workload (make bench-proc): Debian's dash running short, dynamically linked
# programs (coreutils, grep, sed, gawk) one after another and in pipelines, the way installer
# and configuration scripts do. Runs inside the Debian userland of build/bench/proc.cpio.gz
# (bench/make-proc-initramfs.sh), chrooted by bench/guest/init.sh; ASLR is the kernel's default.
#
#   proc.sh N        N rounds of PROC_CMDS_PER_ROUND programs each
#
# Every round checks its own results against values computed here by shell arithmetic, and
# appends them to a log whose md5 ends the run; bench/harness/procwl.py computes the same log
# on the host, so a wrong answer from any engine shows even where the shell's check agrees.
# Output: "proc rounds=N commands=C md5=DIGEST check=ok|FAILS".
set -u
n=${1:-100}
export LC_ALL=C TZ=UTC PATH=/usr/bin:/bin
tmp=/tmp/proc.$$
mkdir -p "$tmp"
fail=0
# The table every round reads: l<k mod 7>:<k squared> for k = 1..200.
seq 1 200 | gawk '{ printf "l%d:%d\n", $1 % 7, $1 * $1 }' >"$tmp/lines"
sum=$(md5sum <"$tmp/lines")
i=0
while [ "$i" -lt "$n" ]; do
    # 14 programs a round (the count is PROC_CMDS_PER_ROUND in bench/harness/procwl.py).
    s=$(seq 1 $((i + 10)) | gawk '{ s += $1 } END { print s }')
    [ "$s" = $(((i + 10) * (i + 11) / 2)) ] || fail=$((fail + 1))
    w=$(echo "item-$i-value" | sed 's/-/ /g' | tr a-z A-Z)
    [ "$w" = "ITEM $i VALUE" ] || fail=$((fail + 1))
    c=$(printf '%s\n' 3 1 2 3 1 "$i" | sort -n | uniq | wc -l)
    if [ "$i" -ge 1 ] && [ "$i" -le 3 ]; then want=3; else want=4; fi
    [ "$c" = "$want" ] || fail=$((fail + 1))
    r=$((i % 7))
    g=$(grep -c "^l$r:" "$tmp/lines")
    if [ "$r" = 0 ]; then want=28; else want=$(((200 - r) / 7 + 1)); fi
    [ "$g" = "$want" ] || fail=$((fail + 1))
    k=$((i % 20 + 1))
    h=$(head -n "$k" "$tmp/lines" | tail -n 1 | cut -d: -f2)
    [ "$h" = $((k * k)) ] || fail=$((fail + 1))
    b=$(basename "/usr/lib/x$i.so" .so)
    [ "$b" = "x$i" ] || fail=$((fail + 1))
    m=$(cat "$tmp/lines" | md5sum)
    [ "$m" = "$sum" ] || fail=$((fail + 1))
    echo "$i $s $w $c $g $h $b" >>"$tmp/log"
    i=$((i + 1))
done
d=$(md5sum <"$tmp/log")
rm -rf "$tmp"
check=ok
[ "$fail" = 0 ] || check="fails=$fail"
echo "proc rounds=$n commands=$((n * 14 + 6)) md5=${d%% *} check=$check"
[ "$fail" = 0 ]
