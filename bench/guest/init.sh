#!/bin/busybox sh
# /init of the benchmark initramfs (bench/make-workload-initramfs.sh puts it over the base
# initramfs). It runs the workloads named on the kernel command line, e.g.
#     bench=intmark:30000,forkexec:300,tmpfs:64,syscalls:300000,pagefault:64
# (and proc:N, the process-heavy workload of make bench-proc, in its own initramfs)
# each between two console markers from `wl mark` (guest clock), so the host can time each
# one on its own clock as the lines arrive; then it powers the machine off. Marker lines:
#     @@mark boot userspace guest_ns=T      first userspace output
#     @@mark NAME begin|end guest_ns=T      around each workload (intmark: around its loop)
#     @@status NAME rc=N                    the workload's exit status (0 = its own checks passed)
#     @@done                                all workloads run; `poweroff -f` follows
# par2:N and forkpar2:N run two intmark (forkexec) processes at once (make bench-smp).
# sharedread:N mounts /dev/vda (ext4, read-only) and digests its /data.bin N times: the first read
# comes from the disk, the others from the page cache, whose pages several VMs reading one base
# image share through mvisor's buffer cache (make bench-numa's shared data set).
# tmpread:MIB:N digests one tmpfs file N times; smpjob:MIB:N:K runs two processes at once over one
# shared tmpfs file and their own data (make bench-numa's (b) and (d)).
# intloop:N never ends: it runs `wl intmark N` again and again, one result line per round, so
# the host can time each VM's throughput from its console (make bench-vms, bench/vms.py).
/bin/wl mark boot userspace
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s
mount -t sysfs sysfs /sys
# Kernel messages must not split marker lines while workloads run.
dmesg -n 1
mkdir -p /mnt/fill
mount -t tmpfs -o size=192m tmpfs /mnt/fill
echo "@@info kernel=$(uname -r) cpu=$(sed -n 's/^cpu model[[:space:]]*: //p' /proc/cpuinfo | head -n 1 | tr ' ' _)"

sel=
for w in $(cat /proc/cmdline); do
    case $w in bench=*) sel=${w#bench=} ;; esac
done

# cpu_stat NAME begin|end: each guest CPU's line of /proc/stat (user nice system idle iowait irq
# softirq ... in clock ticks), so the host can tell how long each guest CPU was idle in a job.
cpu_stat() {
    grep '^cpu[0-9]' /proc/stat | sed "s/^/@@cpustat $1 $2 /"
}

# run NAME COMMAND...: the command between NAME's markers, then its status.
run() {
    name=$1
    shift
    wl mark "$name" begin
    "$@"
    rc=$?
    wl mark "$name" end
    echo "@@status $name rc=$rc"
}

shared_read() { # N: md5 of /data.bin on /dev/vda, N times (one line each)
    if [ ! -d /sys/block/vda ]; then
        while read -r m; do insmod "/lib/modules/$m.ko" 2>/dev/null; done </lib/modules/modules.order
    fi
    mount -t devtmpfs devtmpfs /dev 2>/dev/null
    mkdir -p /mnt/disk
    mount -t ext4 -o ro /dev/vda /mnt/disk || return 1
    i=0
    while [ "$i" -lt "$1" ]; do
        set -- "$1" $(md5sum /mnt/disk/data.bin)
        echo "sharedread round=$i md5=$2"
        i=$((i + 1))
    done
    umount /mnt/disk
}

tmp_read() { # MIB:N: fill a tmpfs file, digest it N times (one line each; make bench-numa's (b)
    # moves the VM's vCPU to another node half-way, while the file's pages stay in use)
    mib=${1%%:*}
    n=${1#*:}
    wl fill "$mib" /mnt/fill/data || return 1
    i=0
    while [ "$i" -lt "$n" ]; do
        set -- "$1" $(md5sum /mnt/fill/data)
        echo "tmpread round=$i md5=$2"
        i=$((i + 1))
    done
    rm -f /mnt/fill/data
}

smp_job() { # MIB:N:K: a parallel job over shared and private data (make bench-numa's (d)): two
    # processes at once each digest one shared tmpfs file of MIB and run intmark K (its own
    # data), N times; each prints its last digest
    mib=${1%%:*}
    rest=${1#*:}
    [ -e /dev/null ] || mknod /dev/null c 1 3
    wl fill "$mib" /mnt/fill/shared || return 1
    sh -c 'job() {
               i=0
               while [ "$i" -lt "$1" ]; do
                   set -- "$1" "$2" "$i" $(md5sum /mnt/fill/shared) || exit 1
                   wl intmark "$2" >/dev/null || exit 1
                   i=$(($3 + 1))
               done
               echo "smpjob md5=$4"
           }
           job "$1" "$2" & a=$!; job "$1" "$2"; rb=$?; wait $a && [ $rb = 0 ]' smpjob "${rest%%:*}" "${rest#*:}"
    rc=$?
    rm -f /mnt/fill/shared
    return $rc
}

tmpfs_fill() { # MIB: fill a tmpfs file with the fixed pattern, digest it, drop it
    wl fill "$1" /mnt/fill/data || return 1
    set -- "$1" $(md5sum /mnt/fill/data)
    rm -f /mnt/fill/data
    echo "tmpfs mib=$1 md5=$2"
}

for w in $(echo "$sel" | tr , ' '); do
    name=${w%%:*}
    arg=${w#*:}
    [ "$arg" = "$w" ] && arg=
    case $name in
    intmark) # prints its own markers around its loop
        wl intmark "${arg:-10000}"
        echo "@@status intmark rc=$?" ;;
    intloop)
        while wl intmark "${arg:-1000}"; do :; done
        echo "@@status intloop rc=$?" ;;
    forkexec) run forkexec wl forkexec "${arg:-200}" /bin/true ;;
    tmpfs) run tmpfs tmpfs_fill "${arg:-64}" ;;
    syscalls) run syscalls wl syscalls "${arg:-200000}" ;;
    pagefault) run pagefault wl pagefault "${arg:-64}" ;;
    sharedread) run sharedread shared_read "${arg:-20}" ;;
    tmpread) run tmpread tmp_read "${arg:-8:8}" ;;
    smpjob) run smpjob smp_job "${arg:-4:8:300}" ;;
    proc) # only in build/bench/proc.cpio.gz (bench/make-proc-initramfs.sh): Debian's userland in /deb
        echo "@@info aslr=$(cat /proc/sys/kernel/randomize_va_space)"
        mount -t proc proc /deb/proc && mount -t devtmpfs dev /deb/dev &&
            mount -t tmpfs -o size=32m tmpfs /deb/tmp &&
            run proc chroot /deb /bin/dash /proc.sh "${arg:-100}" ;;
    par2) # make bench-smp: two intmark processes at once (each its own result line, status 0).
        # A background job's stdin is /dev/null, which this initramfs has not made.
        [ -e /dev/null ] || mknod /dev/null c 1 3
        cpu_stat par2 begin
        run par2 sh -c 'wl intmark "$1" >/tmp/par2.a & a=$!; wl intmark "$1" >/tmp/par2.b
                        rb=$?; wait $a && [ $rb = 0 ]' par2 "${arg:-10000}"
        cpu_stat par2 end
        grep -h '^intmark ' /tmp/par2.a /tmp/par2.b ;;
    forkpar2) # make bench-smp: two fork-and-exec loops at once, a make -j2 of tiny jobs
        [ -e /dev/null ] || mknod /dev/null c 1 3
        cpu_stat forkpar2 begin
        run forkpar2 sh -c 'wl forkexec "$1" /bin/true & a=$!; wl forkexec "$1" /bin/true
                            rb=$?; wait $a && [ $rb = 0 ]' forkpar2 "${arg:-200}"
        cpu_stat forkpar2 end ;;
    *) echo "@@status $name rc=127 unknown-workload" ;;
    esac
done
echo "@@done"
poweroff -f
