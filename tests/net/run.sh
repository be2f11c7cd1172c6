#!/usr/bin/env bash
# Suite "net": virtio-net-pci with the stock kernel and the default initramfs (which loads
# virtio_net and configures eth0: DHCP, or mvisor.ip= on the kernel command line).
#
#   tests/net/run.sh [--mvisor BIN] [--suite NAME] [--tsan] [FILTER...]
#
# --tsan: BIN is a ThreadSanitizer build (suite "tsan" runs switch and user so, as its part
# tsan-net); a race report makes mvisor exit 66, which fails the case, and fails tsan-reports.
#
#   switch          tests/net/switch_test.py: one monitor, VMs a and b on switch "lan", c on
#                   "other": ping both ways, a 64 MiB file a->b with busybox nc (md5 equal) and
#                   back b->a over HTTP (busybox httpd and wget), QMP query-nics and set_link, c
#                   reaches nobody and its card receives no frame, distinct MACs from the names
#   switch-tso      tests/net/tso_test.py: a, b with every offload (TSO too), c with none, on
#                   one switch: an 8 MiB file a->b (large frames passed whole), a->c (cut up by
#                   c's card), c->a and b->a, then a->b and a->c over IPv6 (TSO6), md5 equal
#                   each time; the TSO counters of query-nics say which path each took, and no
#                   card dropped a frame
#   switch-backpressure
#                   tests/net/backpressure_test.py: one monitor on one worker, a, b, c on one
#                   switch, cards without mergeable buffers (with them b keeps up and the case
#                   proves nothing) (the bench initramfs, for nb's UDP): a UDP stream a->b that b cannot
#                   keep up with loses no frame (b's card drops nothing, b's UDP layer sees every
#                   datagram, a's card was held back); with c paused (QMP stop) and a streaming
#                   at it, a file a->b (md5) and b's ping to a complete, c counts deaf drops,
#                   and c hears again after cont (under --tsan a smaller stream; not part of
#                   tsan-net: 254 s at load 26 with three sanitized VMs booting, so
#                   test_virtio_net's threaded switch test covers the resume path under tsan)
#   user            tests/net/user_test.py on mvisor: DHCP 10.0.2.15, wget of a file from a
#                   Python HTTP server on the host's loopback (md5), the host fetches a page
#                   from busybox httpd in the guest through hostfwd
#   user-restrict   the same with restrict=on: the fetch fails and the server saw no request,
#                   hostfwd still works, DHCP without router or DNS
#   qemu-user, qemu-restrict
#                   the same two on qemu-system-mipsel -M malta with the same -netdev/-device
#                   (the oracle: what QEMU's guest gets is what the checks expect)
#   card-matches-qemu
#                   the card as each guest sees it: its PCI function (slot, IDs, subsystem,
#                   class, IRQ, revision), its /proc/interrupts line, MAC and carrier, addresses
#   socket-qemu     tests/net/socket_test.py: an mvisor VM (connect=) and a QEMU VM (listen=) on
#                   one -netdev socket segment: ping both ways, 4 MiB with nc (md5 equal)
#   socket-udp      two VMs of one monitor joined by -netdev socket,udp=,localaddr=: ping both ways
#   socket-hostile  the script is mvisor's socket peer: runt, oversized and empty frames
#                   dropped with the framing kept, a length no frame has closes the
#                   connection, a peer leaving mid-frame, the link back with the next peer
#   socket-reconnect
#                   mvisor connects to the script, which goes away (listener closed) and comes
#                   back on the same port: mvisor reconnects by itself, again after a garbage
#                   length from the script; ARP answered each time, the runt counted
#   bad-*           each bad -netdev/-nic/-device is one "mvisor:" line and exit status 1
# Scratch files go to build/tests/net/, transcripts to build/test-logs/net/.
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
MVISOR=$B/mvisor
QEMU=${QEMU:-qemu-system-mipsel}
filters=()
suite=net
tsan=0
while (($#)); do
    case $1 in
    --mvisor) MVISOR=$2; shift 2 ;;
    --suite) suite=$2; shift 2 ;;
    --tsan) tsan=1; shift ;;
    *) filters+=("$1"); shift ;;
    esac
done

suite_begin "$suite"
W=$B/tests/$suite
rm -rf "$W"
mkdir -p "$W"
KERNEL=$B/guest/vmlinuz
INITRD=$B/initramfs.cpio.gz
common=(--kernel "$KERNEL" --initrd "$INITRD" --log-dir "$SUITE_DIR" --work "$W")
# user, qemu-user and the socket cases run the card with checksum offload (the default is off:
# the switch case covers that), so completing partial checksums for slirp and for QEMU is tested;
# with TSO too, so user cuts the guest's large frames for slirp (a socket's card offers no host
# TSO, its peer may take no large frames).
offload=,csum=on,guest_csum=on,host_tso4=on,host_tso6=on,guest_tso4=on,guest_tso6=on
mib=64
if ((tsan)); then
    export TSAN_OPTIONS="halt_on_error=0 exitcode=66 log_path=$W/tsan-report"
    mib=2 # the sanitizer makes each byte cost ten times more
fi

if selected switch; then
    run_test switch 400 python3 tests/net/switch_test.py --monitor "$MVISOR" "${common[@]}" --mib "$mib"
fi
if selected switch-tso; then
    run_test switch-tso 300 python3 tests/net/tso_test.py --monitor "$MVISOR" "${common[@]}" --mib $((tsan ? 1 : 8))
fi
if selected switch-backpressure; then
    bp=()
    ((tsan)) && bp=(--udp-kib 4096 --mib 1)
    run_test switch-backpressure 300 python3 tests/net/backpressure_test.py --monitor "$MVISOR" --kernel "$KERNEL" \
        --initrd "$B/bench/net.cpio.gz" --log-dir "$SUITE_DIR" --work "$W" "${bp[@]}"
fi
if selected user || selected card-matches-qemu; then
    run_test user 300 python3 tests/net/user_test.py --name user --monitor "$MVISOR" "${common[@]}" --facts "$W/user.json" \
        --device-extra "$offload"
fi
if selected user-restrict; then
    run_test user-restrict 300 python3 tests/net/user_test.py --restrict --name user-restrict --monitor "$MVISOR" \
        "${common[@]}" --facts "$W/user-restrict.json"
fi
if selected qemu-user || selected card-matches-qemu; then
    run_test qemu-user 300 python3 tests/net/user_test.py --qemu --name qemu-user --monitor "$QEMU" "${common[@]}" \
        --facts "$W/qemu-user.json" --device-extra "$offload"
fi
if selected qemu-restrict; then
    run_test qemu-restrict 300 python3 tests/net/user_test.py --qemu --restrict --name qemu-restrict --monitor "$QEMU" \
        "${common[@]}" --facts "$W/qemu-restrict.json"
fi
if selected socket-qemu; then
    run_test socket-qemu 400 python3 tests/net/socket_test.py --peer qemu --monitor "$MVISOR" --qemu-bin "$QEMU" "${common[@]}"
fi
if selected socket-udp; then
    run_test socket-udp 300 python3 tests/net/socket_test.py --peer udp --monitor "$MVISOR" "${common[@]}"
fi
if selected socket-hostile; then
    run_test socket-hostile 300 python3 tests/net/socket_test.py --peer hostile --monitor "$MVISOR" "${common[@]}"
fi
if selected socket-reconnect; then
    run_test socket-reconnect 300 python3 tests/net/socket_test.py --peer reconnect --monitor "$MVISOR" "${common[@]}"
fi
if selected card-matches-qemu; then
    TEST_LOG=$SUITE_DIR/card-matches-qemu.log
    { echo "mvisor: $(cat "$W/user.json" 2>&1)"; echo "qemu:   $(cat "$W/qemu-user.json" 2>&1)"; } >"$TEST_LOG"
    if [[ -s $W/user.json && -s $W/qemu-user.json ]] && grep -q 0x1af4 "$W/user.json" &&
        cmp -s "$W/user.json" "$W/qemu-user.json"; then
        test_pass card-matches-qemu
    else
        test_fail card-matches-qemu "the guests differ (or a boot failed)"
    fi
fi

bad_option netdev-type -netdev tap,id=n0 -device virtio-net-pci,netdev=n0
bad_option netdev-no-id -netdev user
bad_option netdev-dup-id -netdev user,id=n0 -netdev switch,id=n0,switch=s
bad_option netdev-bad-key -netdev user,id=n0,net=10.1.0.0/24
bad_option switch-no-name -netdev switch,id=n0
bad_option switch-bad-name -netdev switch,id=n0,switch=a/b
bad_option hostfwd-syntax -netdev user,id=n0,hostfwd=tcp:8080:80
bad_option hostfwd-proto -netdev user,id=n0,hostfwd=sctp::8080-:80
bad_option hostfwd-port -netdev user,id=n0,hostfwd=tcp::70000-:80
bad_option restrict-value -netdev user,id=n0,restrict=maybe
bad_option device-no-netdev -device virtio-net-pci
bad_option device-unknown-netdev -netdev user,id=n0 -device virtio-net-pci,netdev=n1
bad_option device-bad-mac -netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34
bad_option device-multicast-mac -netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac=01:00:5e:00:00:01
bad_option device-bad-key -netdev user,id=n0 -device virtio-net-pci,netdev=n0,vectors=3
bad_option device-csum -netdev user,id=n0 -device virtio-net-pci,netdev=n0,guest_csum=maybe
bad_option device-modern -netdev user,id=n0 -device virtio-net-pci,netdev=n0,disable-modern=off
bad_option device-unrouted-slot -netdev user,id=n0 -device virtio-net-pci,netdev=n0,addr=0e
bad_option netdev-twice -netdev user,id=n0 -device virtio-net-pci,netdev=n0 -device virtio-net-pci,netdev=n0
bad_option socket-no-mode -netdev socket,id=n0
bad_option socket-two-modes -netdev socket,id=n0,listen=:5555,connect=127.0.0.1:5555
bad_option socket-mcast -netdev socket,id=n0,mcast=230.0.0.1:1234
bad_option socket-bad-addr -netdev socket,id=n0,connect=nowhere:5555
bad_option socket-udp-no-local -netdev socket,id=n0,udp=127.0.0.1:5555
bad_option socket-local-without-udp -netdev socket,id=n0,listen=:5555,localaddr=127.0.0.1:5556
bad_option socket-refused -netdev socket,id=n0,connect=127.0.0.1:1 -device virtio-net-pci,netdev=n0
bad_option nic-model -nic user,model=e1000
bad_option nic-type -nic bridge
bad_option net-legacy -net nic
seven=()
for i in 1 2 3 4 5 6 7; do seven+=(-nic "switch,switch=s$i"); done
bad_option seven-cards "${seven[@]}"
if selected bad-hostfwd-in-use; then
    # A port something already listens on: refused when the VM is built, one line.
    python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$W/port" &
    holder=$!
    for _ in $(seq 50); do [[ -s $W/port ]] && break; sleep 0.1; done
    bad_option hostfwd-in-use -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$(cat "$W/port")-:80" -device virtio-net-pci,netdev=n0
    kill "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
fi
if selected bad-testbench; then
    test_exec bad-testbench 20 "$MVISOR" -M testbench -kernel "$KERNEL" -nic user
    if ((TEST_RC == 1)) && [[ $(grep -c '^mvisor: ' "$TEST_LOG") == 1 ]] && grep -q '^mvisor: network cards need the malta' "$TEST_LOG"; then
        test_pass bad-testbench
    else
        test_fail bad-testbench "status $TEST_RC"
    fi
fi
if ((tsan)); then
    reports=$(find "$W" -maxdepth 1 -name 'tsan-report*' | wc -l)
    TEST_LOG=$SUITE_DIR/tsan-reports.log
    cat "$W"/tsan-report* >"$TEST_LOG" 2>/dev/null
    if ((reports == 0)); then
        test_pass tsan-reports
    else
        test_fail tsan-reports "$reports ThreadSanitizer report(s): $TEST_LOG"
    fi
fi
suite_end
