#!/bin/busybox sh
# /init of the multi-VM suite's initramfs (tests/vms/make-initramfs.sh lays it over the base
# initramfs). The kernel command line picks one workload, mvisor.workload=NAME; each prints one
# exact line the host checks against its own computation of the same thing (tests/vms/run.sh),
#     @@result NAME VALUE
# then "@@done" and the board is powered off. The bad workloads never get there on purpose:
#     panic   the kernel crashes (SysRq c); with panic=1 it resets, boots again, crashes...
#     halt    halt -f: the CPU waits with nothing left to wake it (mvisor: a wedged guest)
# The disk workload loads the virtio and ext4 modules (the base /init would; this one replaces it).
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
# Kernel messages must not split the result lines.
dmesg -n 1

wl=
for w in $(cat /proc/cmdline); do
    case $w in mvisor.workload=*) wl=${w#mvisor.workload=} ;; esac
done
echo "@@workload $wl"
# mvisor.idle=S: sit idle S seconds first (the idle-trim case: the VM's translations are dropped
# while it waits, and the workload runs on translations made again)
for w in $(cat /proc/cmdline); do
    case $w in mvisor.idle=*) sleep "${w#mvisor.idle=}"; echo "@@idle done" ;; esac
done

# An LCG small enough for awk's doubles to stay exact: x = (75 x + 74) mod 65537.
lcg() { awk -v n="$1" 'BEGIN { x = 1; for (i = 0; i < n; i++) { x = (x * 75 + 74) % 65537; print x } }'; }

case $wl in
md5) # md5 of the decimal numbers 1..20000, one per line
    set -- $(seq 1 20000 | md5sum)
    echo "@@result md5 $1" ;;
sort) # 3000 LCG values sorted numerically (duplicates kept), their md5
    set -- $(lcg 3000 | sort -n | md5sum)
    echo "@@result sort $1" ;;
arith) # the shell's own arithmetic: s = (31 s + i) mod 1000003 for i = 0..1999
    i=0 s=0
    while [ $i -lt 2000 ]; do
        s=$(((s * 31 + i) % 1000003))
        i=$((i + 1))
    done
    echo "@@result arith $s" ;;
primes) # a sieve in awk: how many primes below 5000, and their sum
    awk 'BEGIN { n = 5000; c = 0; s = 0
        for (i = 2; i < n; i++) if (!(i in comp)) { c++; s += i; for (j = i * i; j < n; j += i) comp[j] = 1 }
        print "@@result primes " c " " s }' ;;
disk) # /dev/vda (each VM its own overlay of one base image): the md5 of /rand.bin on it
    mount -t sysfs sysfs /sys
    mount -t devtmpfs devtmpfs /dev
    while read -r m; do insmod "/lib/modules/$m.ko" || echo "init: insmod $m failed"; done </lib/modules/modules.order
    mount -t ext4 -o ro /dev/vda /mnt
    read -r t0 _ </proc/uptime
    set -- $(md5sum /mnt/rand.bin)
    read -r t1 _ </proc/uptime
    echo "@@result disk $1"
    echo "@@seconds md5sum $t0 $t1"
    # mvisor.hold=S: stay S seconds with the file in the page cache (bench/bufcache.sh measures)
    for w in $(cat /proc/cmdline); do
        case $w in mvisor.hold=*) sleep "${w#mvisor.hold=}" ;; esac
    done
    umount /mnt ;;
ticks) # the clock over an idle wait (the idle-slack case): uptime (the clock source, Count),
    # jiffies (/proc/schedstat's timestamp) and the CP0 timer's interrupts, before and after
    # Shell builtins only, jiffies read before and after uptime (the host may stop the guest
    # between two readings), and once before for nothing (the first run translates these paths).
    snap() {
        { read -r _; read -r _ j; } </proc/schedstat
        read -r up _ </proc/uptime
        { read -r _; read -r _ j2; } </proc/schedstat
        irq=
        while read -r _ c rest; do
            case $rest in "MIPS "*" 7 "*timer) irq=$c ;; esac # the CP0 timer, cevt-r4k's "timer"
        done </proc/interrupts
        echo "$up $j $j2 $irq"
    }
    a=$(snap)
    a=$(snap)
    sleep 4
    echo "@@ticks $a $(snap)" ;;
panic)
    echo "@@panic"
    echo c >/proc/sysrq-trigger ;;
halt)
    echo "@@halt"
    halt -f ;;
*)
    echo "@@result $wl unknown-workload" ;;
esac
echo "@@done"
poweroff -f
