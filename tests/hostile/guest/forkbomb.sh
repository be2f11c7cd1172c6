#!/bin/busybox sh
# /hostile-init of the hostile-guest suite's initramfs (tests/hostile/run.sh adds it, with
# tests/hostile/guest/passwd, to the multi-VM suite's; the kernel starts it by rdinit=). A fork
# bomb in Linux: an unprivileged user's shell, `ulimit -u 64`, forks a pipeline of itself in
# the background over and over (a shell that cannot fork gives up, so a root loop starts the
# bomb again whenever it has burnt out). Root watches it for 10 seconds, ends the loop, kills
# every process but itself (kill -9 -1, until the user has none left), and proves the system
# still works: the md5 of
# the decimal numbers 1..20000, as the vms suite's md5 workload prints it. Lines:
#     @@forkbomb peak N        the most processes the user had at once (sampled)
#     @@forkbomb cleared K left L   the kill rounds it took to end them all, how many are left
#     @@result forkbomb MD5
# then the board is powered off. RLIMIT_NPROC does not hold root back (Linux
# kernel/fork.c copy_process), hence the user.
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
dmesg -n 1
echo "@@forkbomb start"
while :; do
    su -s /bin/sh bomber -c 'ulimit -u 64; b() { b | b & }; b'
    sleep 0.1
done </dev/null >/dev/null 2>&1 &
loop=$!
count() { ps | grep -c '^ *[0-9][0-9]* bomber '; }
peak=0 i=0
while [ $i -lt 20 ]; do
    sleep 0.5
    n=$(count)
    [ "$n" -gt "$peak" ] && peak=$n
    i=$((i + 1))
done
echo "@@forkbomb peak $peak"
kill -9 $loop
k=0
while [ $k -eq 0 ] || { [ "$(count)" -gt 0 ] && [ $k -lt 100 ]; }; do
    kill -9 -1
    k=$((k + 1))
    sleep 0.2
done
echo "@@forkbomb cleared $k left $(count)"
set -- $(seq 1 20000 | md5sum)
echo "@@result forkbomb $1"
echo "@@done"
poweroff -f
