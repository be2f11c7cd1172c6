/*
 * VM construction and the run loop.
 *
 * Guest RAM is a pmap of machine pages allocated on first touch, so a large
 * -m costs nothing until the guest touches it. The run loop has kvmtool's shape: the engine
 * returns an exit reason and a switch turns it into the process exit status
 * (0 powered off / test passed, 2 wedged, 3 limit or timeout, 4 test failed).
 *
 * The Malta machine is the board of devices/ plus the host side: guest time,
 * the CPU's interrupt lines, power events and the console, handed to the
 * board as struct malta_host. Devices only flag power events; the run loop
 * acts on them (power off, or reset and boot again unless -no-reboot).
 *
 * Control requests from other threads (QMP: stop, cont, system_reset,
 * system_powerdown, quit) arrive through struct vm_ctl (monitor/vmctl.c) as
 * VCPU_EXIT_CONTROL and are served here, on the vCPU thread, between two
 * instructions, inside vm_run_slice (so vm_run and any other caller of the
 * slice API get them). A WAIT they interrupt goes on afterwards. A paused
 * VM sleeps in vm_control() on the wake-up eventfd (and the process's
 * signal eventfd), holding no CPU; its guest time stands still (the host time paused is added to the clock's
 * origin on resume), as QEMU stops its virtual clock.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache.h"
#include "dbt/dbt.h"
#include "monitor/console.h"
#include "monitor/internal.h"
#include "numa/numa.h"
#include "monitor/options.h"
#include "monitor/unixsock.h"
#include "monitor/sched.h"
#include "devices/virtio/virtio.h"
#include "shadow-mmu/pageshare.h"

#define TESTBENCH_BOOTROM_BASE 0x1FC00000u
#define TESTBENCH_BOOTROM_SIZE 0x00100000u

static void vm_cpu_irq(void *opaque, int n, int level)
{
    cp0_set_irq(opaque, n, level);
}

static uint64_t vm_icount(void *ctx)
{
    return ((struct vcpu *)ctx)->icount;
}

/* ---- the host side of the Malta board ---- */

static uint64_t malta_host_now_ns(void *ctx)
{
    return vm_guest_ns(ctx);
}

static void malta_host_cpu_irq(void *ctx, int line, int level)
{
    struct vm *vm = ctx;
    cp0_set_irq(vm->vcpu, line, level);
}

/* Makes vCPU 0 look at its events; from VPE 1's thread (--smp-threads 2) through its exit request. */
static void kick_vcpu0(struct vm *vm)
{
    if (smp_remote(vm->vcpu))
        atomic_fetch_or_explicit(&vm->vcpu->exit_request, EXIT_REQ_INTERRUPT, memory_order_release);
    else
        vcpu_kick(vm->vcpu);
}

static void malta_host_power(void *ctx, enum malta_power what)
{
    struct vm *vm = ctx;
    vm->stop_reason = what == MALTA_POWER_OFF ? VM_STOP_POWEROFF : VM_STOP_RESET;
    __atomic_store_n(&vm->stop, true, __ATOMIC_RELEASE); /* VPE 1's thread reads it too */
    kick_vcpu0(vm);
}

static void malta_host_attention(void *ctx)
{
    kick_vcpu0(ctx);
}

/* A device's I/O thread finished a request: the vCPU thread looks at the board at its next
 * block boundary, or wakes from WAIT (the control eventfd) to do so. */
static void malta_host_kick(void *ctx)
{
    struct vm *vm = ctx;
    if (vm->ctl.kick)
        atomic_fetch_or_explicit(vm->ctl.kick, EXIT_REQ_INTERRUPT, memory_order_release);
    if (!sched_wake_now(vm))
        vm_ctl_wake(&vm->ctl, EXIT_REQ_INTERRUPT);
}

static void malta_host_serial_out(void *ctx, uint8_t byte)
{
    struct vm *vm = ctx;
    if (vm->console)
        console_write(vm->console, &byte, 1);
}

const char *vm_name(const struct vm *vm)
{
    return vm->cfg.name ? vm->cfg.name : "vm0";
}

/* One message about the VM on stderr, in one write: "mvisor: ", with several VMs the VM's name,
 * then the text. */
static void __attribute__((format(printf, 2, 3))) vm_say(const struct vm *vm, const char *fmt, ...)
{
    char msg[1024];
    int k = vm->cfg.name_messages ? snprintf(msg, sizeof(msg), "mvisor: %s: ", vm_name(vm))
                                  : snprintf(msg, sizeof(msg), "mvisor: ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + k, sizeof(msg) - (size_t)k, fmt, ap);
    va_end(ap);
    fputs(msg, stderr);
}

/*
 * Powerdown through the guest's Magic SysRq on ttyS0 (the Debian kernel has
 * MAGIC_SYSRQ_SERIAL, and its default sysrq mask 0x1b6 allows sync, remount
 * and power off). A break opens a 5-second window in which the next
 * character is a SysRq command (Linux include/linux/serial_core.h
 * uart_handle_break, uart_prepare_sysrq_char). The 8250 driver keeps one
 * pending SysRq key per interrupt and runs it when the interrupt handler
 * unlocks the port (uart_unlock_and_check_sysrq), so a second break + key
 * read in the same interrupt would replace the first: each pair goes alone
 * into an empty receiver, and the next waits until the guest has drained it
 * and SYSRQ_GAP_NS of guest time passed (also time for the sync and the
 * remount to run before the power goes). Typed input waits meanwhile, so it
 * cannot land between a break and its key.
 */
#define SYSRQ_GAP_NS 200000000ull
static const char powerdown_keys[] = "suo";

static void vm_powerdown(struct vm *vm)
{
    vm_ctl_emit(&vm->ctl, vm, VM_EVENT_POWERDOWN, false, NULL);
    if (vm->sysrq_keys)
        return; /* one already under way */
    vm->sysrq_keys = powerdown_keys;
    vm->sysrq_break_sent = false;
    vm->sysrq_next_ns = 0;
}

static void vm_sysrq_step(struct vm *vm)
{
    uint64_t now = vm_guest_ns(vm);
    if (!vm->sysrq_break_sent) {
        if (!malta_console_rx_empty(vm->malta)) {
            vm->sysrq_next_ns = now + SYSRQ_GAP_NS;
            return;
        }
        if (now < vm->sysrq_next_ns || !malta_console_break(vm->malta))
            return;
        vm->sysrq_break_sent = true;
    }
    uint8_t key = (uint8_t)*vm->sysrq_keys;
    if (malta_console_input(vm->malta, &key, 1) != 1)
        return; /* a receiver without its FIFO holds the break alone: the key follows */
    vm->sysrq_break_sent = false;
    vm->sysrq_next_ns = now + SYSRQ_GAP_NS;
    if (!*++vm->sysrq_keys)
        vm->sysrq_keys = NULL;
}

void vm_console_pump(struct vm *vm)
{
    struct console *c = vm->console;
    if (c && console_take_powerdown(c))
        vm_powerdown(vm);
    if (vm->sysrq_keys) {
        vm_sysrq_step(vm);
        return;
    }
    if (!c || !console_pending(c))
        return;
    /* Input waits for the guest (taken now, or once its receiver has room): its user is typing,
     * not a VM to trim. The vCPU thread that pumps need not be the one that trims (SMP). */
    atomic_store_explicit(&vm->trim_typed, true, memory_order_relaxed);
    unsigned room = malta_console_room(vm->malta);
    if (!room)
        return;
    uint16_t buf[64];
    size_t n = console_read(c, buf, room < 64 ? room : 64), took = 0;
    while (took < n) {
        if (buf[took] == CONSOLE_BREAK) {
            if (!malta_console_break(vm->malta))
                break;
            took++;
            continue;
        }
        uint8_t bytes[64];
        size_t k = 0;
        while (took + k < n && buf[took + k] != CONSOLE_BREAK) {
            bytes[k] = (uint8_t)buf[took + k];
            k++;
        }
        unsigned in = malta_console_input(vm->malta, bytes, (unsigned)k);
        took += in;
        if (in < k)
            break;
    }
    if (took < n)
        console_unread(c, buf + took, n - took);
}

/* The output side of -serial, opened before the guest runs so a bad path is a usage error. */
static int serial_open_output(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen)
{
    switch (cfg->serial) {
    case SERIAL_UNIX: {
        char e[300];
        int fd = unixsock_listen(cfg->serial_path, e, sizeof(e));
        if (fd < 0) {
            snprintf(err, errlen, "-serial unix:%s: %s", cfg->serial_path, e);
            return fd;
        }
        vm->serial_listen_fd = fd;
        vm->serial_sock_bound = true;
        return -1;
    }
    case SERIAL_STDIO:
        return STDOUT_FILENO;
    case SERIAL_FILE: {
        int fd = open(cfg->serial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            snprintf(err, errlen, "-serial file:%s: %s", cfg->serial_path, strerror(errno));
            return -errno;
        }
        return fd;
    }
    default:
        return -1;
    }
}

static int64_t rtc_start_unix_ns(const struct vm_config *cfg)
{
    if (cfg->deterministic)
        return RTC_START_DETERMINISTIC_NS;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* The balloon driver wrote a new size (vCPU thread): QMP's BALLOON_CHANGE, with what the guest
 * now has in bytes, as QEMU counts it. */
static void vm_balloon_changed(void *ctx, uint32_t pages)
{
    struct vm *vm = ctx;
    uint64_t held = (uint64_t)pages << 12;
    vm_ctl_emit_value(&vm->ctl, vm, VM_EVENT_BALLOON_CHANGE, held < vm->ram_size ? vm->ram_size - held : 0);
}

static int vm_create_malta(struct vm *vm, char *err, size_t errlen)
{
    struct malta_host host = {
        .ctx = vm,
        .now_ns = malta_host_now_ns,
        .cpu_irq = malta_host_cpu_irq,
        .power = malta_host_power,
        .attention = malta_host_attention,
        .serial_out = malta_host_serial_out,
        .kick = malta_host_kick,
        .synchronous_io = vm->cfg.deterministic,
    };
    int rc = malta_create(&vm->malta, &vm->physmap, &vm->pmap, vm->ram_size, &host,
                          rtc_start_unix_ns(&vm->cfg), err, errlen);
    if (rc < 0)
        return rc;
    int slots[VM_MAX_DISKS], nic_slots[VM_MAX_NICS];
    rc = vmopt_pci_slots(&vm->cfg, slots, nic_slots, err, errlen);
    if (rc < 0)
        return -EINVAL;
    for (unsigned i = 0; i < vm->cfg.ndisks; i++) {
        const struct vm_drive *d = &vm->cfg.drives[vm->cfg.disks[i].drive];
        struct blk_open_opts bo = {.path = d->file, .format = d->format, .readonly = d->readonly, .cache = d->cache,
                                   .lossy = d->lossy};
        rc = blk_open(&bo, &vm->disk[i], err, errlen);
        /* -snapshot's overlay: gone from the folder once open, so no exit leaves it behind. */
        if (d->overlay_temporary)
            unlink(d->file);
        if (rc < 0)
            return rc;
        rc = malta_add_virtio_blk(vm->malta, (unsigned)slots[i], vm->disk[i], vm->cfg.disks[i].serial, err, errlen);
        if (rc < 0)
            return rc;
    }
    for (unsigned i = 0; i < vm->cfg.nnetdevs; i++) {
        rc = netdev_create(&vm->netdev[i], &vm->cfg.netdevs[i], err, errlen);
        if (rc < 0)
            return rc;
    }
    for (unsigned i = 0; i < vm->cfg.nnics; i++) {
        unsigned k = 0;
        while (strcmp(vm->cfg.netdevs[k].id, vm->cfg.nics[i].netdev))
            k++; /* vmopt_check_net made sure it is there */
        uint8_t mac[6];
        vmopt_nic_mac(&vm->cfg, i, mac);
        /* Large frames come to a card only from a switch (slirp and a socket's peer make none):
         * elsewhere guest TSO buys nothing and measured slower host->guest through user (19
         * against 33 MiB/s), so it is on there only when asked for. */
        bool gtso = vm->cfg.nics[i].guest_tso_given || vm->cfg.netdevs[k].type == NETDEV_SWITCH;
        unsigned opts = (vm->cfg.nics[i].csum ? VIRTIO_NET_OPT_CSUM : 0) |
                        (vm->cfg.nics[i].guest_csum ? VIRTIO_NET_OPT_GUEST_CSUM : 0) |
                        (vm->cfg.nics[i].host_tso4 ? VIRTIO_NET_OPT_HOST_TSO4 : 0) |
                        (vm->cfg.nics[i].host_tso6 ? VIRTIO_NET_OPT_HOST_TSO6 : 0) |
                        (gtso && vm->cfg.nics[i].guest_tso4 ? VIRTIO_NET_OPT_GUEST_TSO4 : 0) |
                        (gtso && vm->cfg.nics[i].guest_tso6 ? VIRTIO_NET_OPT_GUEST_TSO6 : 0) |
                        (vm->cfg.nics[i].mrg_rxbuf ? VIRTIO_NET_OPT_MRG_RXBUF : 0);
        rc = malta_add_virtio_net(vm->malta, (unsigned)nic_slots[i], vm->netdev[k], mac, opts, err, errlen);
        if (rc < 0)
            return rc;
    }
    if (vm->cfg.balloon) {
        int bslot = vmopt_balloon_slot(&vm->cfg, err, errlen);
        if (bslot < 0)
            return -EINVAL;
        const struct vm_balloon *bc = &vm->cfg.balloon_dev;
        struct virtio_balloon_opts bo = {.deflate_on_oom = bc->deflate_on_oom,
                                         .free_page_reporting = bc->free_page_reporting,
                                         .page_poison = bc->page_poison,
                                         .stats_interval_s = bc->stats_interval_s};
        rc = malta_add_virtio_balloon(vm->malta, (unsigned)bslot, &bo, vm_balloon_changed, vm, err, errlen);
        if (rc < 0)
            return rc;
    }
    vm->serial_fd = serial_open_output(vm, &vm->cfg, err, errlen);
    if (vm->serial_fd < -1)
        return vm->serial_fd;
    return 0;
}

/* Every vCPU to its reset state; on the 34Kf the MT registers too (VPE 0 alone runs). */
static void vm_reset_vcpus(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        vcpu_reset(vm->vcpus[i]);
    mt_reset(vm);
}

int vm_create(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen)
{
    memset(vm, 0, sizeof(*vm));
    vm->cfg = *cfg;
    vm->ram_size = cfg->ram_mb << 20;
    /* Guest RAM is pages of the monitor's machine memory, allocated on first touch. Its canonical
     * addresses are where all of it is seen: 0x80000000 on the Malta, 0 on the test machine. */
    vm->mm = machmem_default();
    /* The vCPU lives right in front of the RAM view (pmap_init_prefix): translated code then
     * reaches kseg0 RAM at a fixed distance from the vCPU it runs on. */
    int prc = vm->mm ? pmap_init_prefix(&vm->pmap, vm->mm, vm->ram_size,
                                        cfg->machine == MACHINE_MALTA ? MALTA_RAM_ALL_BASE : 0,
                                        sizeof(struct vcpu))
                     : -ENOMEM;
    if (prc < 0) {
        snprintf(err, errlen, "cannot set up %" PRIu64 " MiB of guest RAM: %s", cfg->ram_mb, strerror(-prc));
        return prc;
    }
    vm->serial_fd = -1;
    vm->serial_listen_fd = -1;
    int rc;

    vm->clock.deterministic = cfg->deterministic;
    vm->clock.count_hz = VM_COUNT_HZ;
    vm->clock.insns_per_count = CPU_CCRES;
    vm->clock.host_start_ns = host_monotonic_ns();
    vm->clock.boot_pinned = cfg->seed_given && !cfg->deterministic;

    vm->vcpu = (struct vcpu *)(vm->pmap.view - vm->pmap.prefix);
    memset(vm->vcpu, 0, sizeof(*vm->vcpu));
    vm->vcpu->vm = vm;
    rc = pmap_attach_stlb(&vm->pmap, &vm->vcpu->stlb);
    if (rc < 0)
        goto err_map;
    vm->vcpu->max_insns = cfg->max_insns;
    vm->vcpu->slice_end = UINT64_MAX;
    vm->vcpus[0] = vm->vcpu;
    vm->nr_vcpus = 1;
    if (cfg->smp > 1) {
        rc = smp_create(vm);
        if (rc < 0)
            goto err_map;
    }
    vm->trim_window_ns = (cfg->idle_trim_given ? cfg->idle_trim_s : VM_IDLE_TRIM_DEFAULT_S) * 1000000000ull;
    rc = vm_ctl_init(&vm->ctl, &vm->vcpu->exit_request);
    vm->ctl_ready = true;
    /* The thread that creates the VM runs it (vm_run sets it again). */
    atomic_store(&vm->ctl.vcpu_tid, (int)syscall(SYS_gettid));
    if (rc < 0)
        goto err_map;

    switch (cfg->machine) {
    case MACHINE_TESTBENCH:
        rc = physmap_add_pmap(&vm->physmap, "ram", 0, vm->ram_size, &vm->pmap, 0);
        if (rc < 0)
            goto err_map;
        vm->bootrom = mmap(NULL, TESTBENCH_BOOTROM_SIZE, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (vm->bootrom == MAP_FAILED) {
            vm->bootrom = NULL;
            rc = -ENOMEM;
            goto err_map;
        }
        rc = physmap_add_ram(&vm->physmap, "bootrom", TESTBENCH_BOOTROM_BASE, TESTBENCH_BOOTROM_SIZE,
                             vm->bootrom, false);
        if (rc < 0)
            goto err_map;
        vm->testdev.console = cfg->console_out ? cfg->console_out : stdout;
        vm->testdev.stop = &vm->stop;
        vm->testdev.icount = vm_icount;
        vm->testdev.icount_ctx = vm->vcpu;
        for (int i = 0; i < 6; i++)
            vm->testdev.irq[i] = (struct irq_line){.set = vm_cpu_irq, .opaque = vm->vcpu, .n = i};
        rc = testdev_init(&vm->testdev, &vm->physmap);
        if (rc < 0)
            goto err_map;
        break;
    case MACHINE_MALTA:
        rc = vm_create_malta(vm, err, errlen);
        if (rc < 0)
            goto err_quiet;
        break;
    }

    /* kseg0 (physical 0..512 MiB) onto the RAM window at 0: the pmap's RAM view, for translated
     * kernel loads. */
    const struct mem_region *low = physmap_find(&vm->physmap, 0);
    for (unsigned i = 0; low && low->pmap && low->base == 0 && i < vm->nr_vcpus; i++) {
        struct vcpu *v = vm->vcpus[i];
        v->kseg0_view = low->pmap->view + ((size_t)low->first_page << MACH_PAGE_BITS);
        v->kseg0_window = (uint32_t)(low->size < 0x20000000u ? low->size : 0x20000000u);
        int64_t d = v->kseg0_view - (uint8_t *)v;
        /* Translations are the VM's: with several vCPUs (only the first lives in front of the
         * view) they load the view's base from the vCPU instead. */
        v->kseg0_disp = vm->nr_vcpus == 1 && d > 0 && d + v->kseg0_window <= INT32_MAX ? (int32_t)d : 0;
    }
    if (vm->mm->numa) {
        /* A NUMA machine (numa/): the VM joins its node and its vCPUs' accesses are counted (in
         * counting slices: blocks translated with TB_F_COUNT). */
        vm->numa = numa_vm_attach(vm->mm, &vm->pmap, (int)cfg->numa_node - 1, (int)cfg->numa_mem_node - 1);
        if (!vm->numa) {
            rc = -ENOMEM;
            goto err_map;
        }
        for (unsigned i = 0; i < vm->nr_vcpus; i++) {
            numa_vm_add_stlb(vm->numa, &vm->vcpus[i]->stlb);
            if (i < sizeof(cfg->numa_vcpu_node) && cfg->numa_vcpu_node[i])
                numa_vm_set_node(vm->numa, (int)i, cfg->numa_vcpu_node[i] - 1u);
        }
    }
    vm_reset_vcpus(vm);
    if (cfg->exec == EXEC_DBT || cfg->exec == EXEC_TRAP) {
        rc = dbt_engine_init(vm, err, errlen);
        if (rc < 0)
            goto err_quiet;
    }
    return 0;

err_map:
    snprintf(err, errlen, "cannot set up the machine: %s", strerror(-rc));
err_quiet:
    vm_destroy(vm);
    return rc;
}

void vm_destroy(struct vm *vm)
{
    dbt_engine_destroy(vm);
    dbt_insn_words_free(vm);
    if (vm->console) {
        console_close(vm->console);
        free(vm->console);
        vm->console = NULL;
    }
    if (vm->serial_fd > STDERR_FILENO)
        close(vm->serial_fd);
    vm->serial_fd = -1;
    if (vm->serial_listen_fd >= 0)
        close(vm->serial_listen_fd);
    vm->serial_listen_fd = -1;
    if (vm->serial_sock_bound)
        unlink(vm->cfg.serial_path);
    vm->serial_sock_bound = false;
    /* The network backends first: once they are gone nothing delivers frames to the cards.
     * Then the board: it stops the devices' I/O threads, which kick through the control. */
    for (unsigned i = 0; i < VM_MAX_NETDEVS; i++) {
        netdev_destroy(vm->netdev[i]);
        vm->netdev[i] = NULL;
    }
    malta_destroy(vm->malta);
    vm->malta = NULL;
    for (unsigned i = 0; i < VM_MAX_DISKS; i++) {
        /* x-lossy (the reliability tests): whatever way the VM ends, the power fails first. */
        if (vm->disk[i] && i < vm->cfg.ndisks && vm->cfg.drives[vm->cfg.disks[i].drive].lossy)
            blk_power_fail(vm->disk[i], vm->cfg.drives[vm->cfg.disks[i].drive].lossy_seed);
        if (vm->disk[i])
            blk_close(vm->disk[i]);
        vm->disk[i] = NULL;
    }
    if (vm->ctl_ready)
        vm_ctl_destroy(&vm->ctl);
    vm->ctl_ready = false;
    if (vm->bootrom)
        munmap(vm->bootrom, TESTBENCH_BOOTROM_SIZE);
    vm->bootrom = NULL;
    /* before the vCPUs go: it unhooks their software TLBs */
    numa_vm_detach(vm->numa);
    vm->numa = NULL;
    smp_destroy(vm);
    vm->vcpu = NULL;
    pmap_destroy(&vm->pmap); /* the vCPU's memory with it */
}

/* The host side of ttyS0: stdin/stdout (or a file, or nothing) and the input thread. */
static int vm_open_console(struct vm *vm)
{
    vm->console = calloc(1, sizeof(*vm->console));
    if (!vm->console)
        return -ENOMEM;
    int rc;
    if (vm->cfg.serial == SERIAL_UNIX) {
        rc = console_open_socket(vm->console, vm->serial_listen_fd, &vm->vcpu->exit_request, vm->ctl.wake_fd);
        vm->serial_listen_fd = -1; /* the console's now */
    } else {
        int in = vm->cfg.serial == SERIAL_STDIO ? STDIN_FILENO : -1;
        rc = console_open(vm->console, in, vm->serial_fd, &vm->vcpu->exit_request, vm->ctl.wake_fd);
    }
    if (rc < 0) {
        console_close(vm->console);
        free(vm->console);
        vm->console = NULL;
    }
    return rc;
}

static void vm_report_time(struct vm *vm)
{
    const struct vclock *c = &vm->clock;
    if (c->rtc_skips)
        vm_say(vm, "RTC fast-forward: skipped %.3f guest seconds (%" PRIu64
                " jumps) while the guest polled the RTC update flag with interrupts off\n",
                (double)c->rtc_skipped_ticks / (double)c->count_hz, c->rtc_skips);
}

/* A guest reset: the board goes back to its firmware state, RAM is cleared, the kernel boots
 * again. Guest time keeps running, as the RTC's does on a real board. */
static int vm_reboot(struct vm *vm)
{
    char err[512];
    malta_reset(vm->malta);
    physmap_discard(&vm->physmap, MALTA_RAM_ALL_BASE, vm->ram_size);
    /* The next boot rewrites code pages from the host, which the translator's store tracking
     * does not see: start it afresh. */
    if (vm->dbt)
        dbt_flush(vm);
    vm_reset_vcpus(vm);
    vm->stop = false;
    vm->stop_reason = VM_STOP_NONE;
    vm->sysrq_keys = NULL; /* a powerdown under way was for the kernel that is gone */
    vm->resets++;
    if (vm_boot(vm, err, sizeof(err)) < 0) {
        vm_say(vm, "cannot boot again after the guest reset: %s\n", err);
        return -1;
    }
    return 0;
}

/* Pause: no instruction runs; guest time stands still until vm_resume(). */
static void vm_pause(struct vm *vm)
{
    vm->paused_at_ns = host_monotonic_ns();
    vm_ctl_set_state(&vm->ctl, VM_STATE_PAUSED);
    vm_ctl_emit(&vm->ctl, vm, VM_EVENT_STOP, false, NULL);
}

static void vm_resume(struct vm *vm)
{
    /* Real time: move the clock's origin by the pause, so Count, the timers and the RTC
     * continue from where they stopped. Deterministic time needs nothing. */
    vm->clock.host_start_ns += host_monotonic_ns() - vm->paused_at_ns;
    vm_ctl_set_state(&vm->ctl, VM_STATE_RUNNING);
    vm_ctl_emit(&vm->ctl, vm, VM_EVENT_RESUME, false, NULL);
    vcpu_kick(vm->vcpu);
}

/*
 * Serves control requests on the vCPU thread. Returns VCPU_EXIT_NONE to go on running,
 * VCPU_EXIT_PAUSED while the VM stays paused (nothing posted), or the reason the run must end.
 */
static enum vcpu_exit vm_control(struct vm *vm)
{
    for (;;) {
        bool paused = vm_ctl_state(&vm->ctl) == VM_STATE_PAUSED;
        enum vm_request r = vm_ctl_take(&vm->ctl);
        switch (r) {
        case VM_REQ_NONE: {
            if (!paused) {
                vcpu_kick(vm->vcpu);
                return VCPU_EXIT_NONE;
            }
            enum vcpu_exit why = vcpu_host_stop(vm);
            if (why != VCPU_EXIT_NONE)
                return why;
            if (vm->deadline_s > 0 && host_monotonic_s() >= vm->deadline_s)
                return VCPU_EXIT_TIMEOUT;
            return VCPU_EXIT_PAUSED;
        }
        case VM_REQ_STOP:
            if (!paused)
                vm_pause(vm);
            vm_ctl_done(&vm->ctl, 0);
            continue;
        case VM_REQ_CONT:
            if (paused)
                vm_resume(vm);
            vm_ctl_done(&vm->ctl, 0);
            continue;
        case VM_REQ_RESET:
            if (vm->cfg.machine != MACHINE_MALTA) {
                vm_ctl_done(&vm->ctl, -ENOTSUP);
                continue;
            }
            vm->stop_reason = VM_STOP_RESET;
            if (vm_reboot(vm) < 0) {
                vm_ctl_done(&vm->ctl, -EIO);
                return VCPU_EXIT_HOST_ERROR;
            }
            vm_ctl_emit(&vm->ctl, vm, VM_EVENT_RESET, false, "host-qmp-system-reset");
            vm_ctl_done(&vm->ctl, 0);
            continue;
        case VM_REQ_POWERDOWN:
            if (vm->cfg.machine != MACHINE_MALTA) {
                vm_ctl_done(&vm->ctl, -ENOTSUP);
                continue;
            }
            vm_powerdown(vm);
            vcpu_kick(vm->vcpu);
            vm_ctl_done(&vm->ctl, 0);
            continue;
        case VM_REQ_QUIT:
            vm->quit_reason = "host-qmp-quit";
            vm_ctl_done(&vm->ctl, 0);
            return VCPU_EXIT_USER_QUIT;
        }
    }
}

void vm_set_trace(struct vm *vm, const struct dbt_trace *t)
{
    vm->trace = *t;
    if (t->on)
        vm->vcpu->observe |= VCPU_OBS_TRACE;
    else
        vm->vcpu->observe &= (uint8_t)~VCPU_OBS_TRACE;
}

/*
 * The idle trim. A VM that boots writes some 40 MiB of translations and keeps what its last
 * flush left, about 20 MiB of code and 6 MiB of block descriptors, though an idle guest kernel
 * then runs a few hundred blocks per timer tick (README "Idle VMs"): with hundreds of idle VMs
 * in one monitor that is most of the monitor's own memory. So a VM that retired fewer than
 * VM_IDLE_TRIM_INSNS_PER_S guest instructions a second over a whole window (--idle-trim, an idle
 * guest runs about 1.2 M) while holding more than VM_IDLE_TRIM_MIN_CODE of code drops its
 * translations and gives their memory back (tcache_trim); what it runs next is translated again,
 * a few hundred blocks. Here, between slices, no block of the VM runs. One vCPU only: the
 * vCPUs of an SMP guest share the cache. Nor a VM whose console got input in the window: its
 * user is typing, the guest runs little between keys, and a trim then costs the next key's echo
 * its translations again, tens of milliseconds beside busy VMs (bench/vms.py --only latency
 * had its slowest echoes mid-run, where the idle VM's first trim fell).
 */
#define VM_IDLE_TRIM_INSNS_PER_S 5000000ull
#define VM_IDLE_TRIM_MIN_CODE ((size_t)4 << 20)

static void vm_idle_trim(struct vm *vm)
{
    uint64_t now = host_monotonic_ns();
    if (now < vm->trim_at_ns)
        return;
    uint64_t icount = vm->vcpu->icount;
    bool typed = atomic_exchange_explicit(&vm->trim_typed, false, memory_order_relaxed);
    if (vm->trim_at_ns && vm->nr_vcpus == 1 && vm->tcache && !typed &&
        tcache_used(vm->tcache) > VM_IDLE_TRIM_MIN_CODE &&
        icount - vm->trim_icount < VM_IDLE_TRIM_INSNS_PER_S * (vm->trim_window_ns / 1000000000ull)) {
        dbt_trim(vm);
        vm->idle_trims++;
    }
    vm->trim_at_ns = now + vm->trim_window_ns;
    vm->trim_icount = icount;
}

enum vcpu_exit vm_run_slice(struct vm *vm, uint64_t max_insns)
{
    if (vm->trim_window_ns && vm->dbt)
        vm_idle_trim(vm);
    struct vcpu *v = vm->vcpu;
    uint64_t end = max_insns && v->icount < UINT64_MAX - max_insns ? v->icount + max_insns : UINT64_MAX;
    if (end != v->slice_end) {
        v->slice_end = end;
        if (end < v->next_event)
            v->next_event = end; /* the engine checks events there; vcpu_events ends the slice */
    }
    /* Content-based sharing merges this VM's pages only while it runs no guest code. */
    if (vm->share)
        pageshare_enter(vm->share);
    if (vm->numa)
        numa_slice_begin(vm->numa);
    /* A paused VM runs nothing: it only serves what was posted since the last call. */
    enum vcpu_exit why = vm_ctl_state(&vm->ctl) == VM_STATE_PAUSED ? VCPU_EXIT_CONTROL
                         : vm->nr_vcpus > 1 ? smp_run_slice(vm, max_insns)
                         : vm->dbt ? dbt_run(v) : dbt_interp_run(v);
    /* Control requests (QMP) are served here, on the thread that runs the vCPU, whoever calls;
     * then the slice goes on. */
    while (why == VCPU_EXIT_CONTROL) {
        why = vm_control(vm);
        if (why == VCPU_EXIT_NONE)
            why = vm->nr_vcpus > 1 ? smp_run_slice(vm, max_insns) : vm->dbt ? dbt_run(v) : dbt_interp_run(v);
    }
    if (vm->share)
        pageshare_leave(vm->share);
    if (vm->numa) {
        /* The policy moves pages between slices: an SMP vCPU on a thread of its own is held out of
         * guest code meanwhile, so no store of it races a migration's copy. */
        uint64_t t0 = host_monotonic_ns();
        bool hold = vm->smp && numa_slice_moves(vm->numa);
        if (hold)
            smp_hold_others(vm);
        numa_slice_end_held(vm->numa, !vm->smp || hold);
        if (hold)
            smp_release_others(vm);
        uint64_t ns = host_monotonic_ns() - t0;
        __atomic_fetch_add(&vm->numa->slice_end_ns, ns, __ATOMIC_RELAXED);
        if (hold)
            __atomic_fetch_add(&vm->numa->hold_ns, ns, __ATOMIC_RELAXED);
    }
    return why;
}

int vm_start(struct vm *vm)
{
    if (vm_ctl_state(&vm->ctl) != VM_STATE_PRELAUNCH)
        return 0;
    if (vm->cfg.timeout_s > 0)
        vm->deadline_s = host_monotonic_s() + vm->cfg.timeout_s;
    if (vm->malta && vm_open_console(vm) < 0) {
        vm_say(vm, "cannot start the console: %s\n", strerror(errno));
        vm_ctl_set_state(&vm->ctl, VM_STATE_INTERNAL_ERROR);
        vm_ctl_close(&vm->ctl);
        return -1;
    }
    atomic_store(&vm->ctl.vcpu_tid, (int)syscall(SYS_gettid));
    vm_ctl_set_state(&vm->ctl, VM_STATE_RUNNING);
    return 0;
}

void vm_idle(struct vm *vm, enum vcpu_exit why)
{
    if (why == VCPU_EXIT_WAIT)
        vcpu_sleep(vm->vcpu);
    else if (why == VCPU_EXIT_PAUSED)
        vm_ctl_sleep(&vm->ctl, VM_PAUSE_POLL_NS, vm->console ? console_signal_fd() : -1);
}

int vm_run(struct vm *vm)
{
    if (vm_ctl_state(&vm->ctl) != VM_STATE_PRELAUNCH && vm_ctl_state(&vm->ctl) != VM_STATE_RUNNING)
        return 1; /* vm_start failed and said why */
    if (vm_start(vm) < 0)
        return 1;
    int status;
    if (vm->prof) {
        profile_thread_begin();
        profile_thread_set(vm->vcpu);
    }
    for (;;) {
        enum vcpu_exit why = vm_run_slice(vm, 0);
        if (vm_run_ended(vm, why, &status))
            break;
        vm_idle(vm, why);
    }
    if (vm->prof)
        profile_thread_end();
    return status;
}

bool vm_run_ended(struct vm *vm, enum vcpu_exit why, int *statusp)
{
    struct vcpu *v = vm->vcpu;
    int status;
    bool guest = false;
    const char *reason = "host-error";
    switch (why) {
    case VCPU_EXIT_NONE:
    case VCPU_EXIT_SLICE:
    case VCPU_EXIT_CONTROL: /* served in vm_run_slice, never returned */
    case VCPU_EXIT_WAIT:
    case VCPU_EXIT_PAUSED:
        return false;
    case VCPU_EXIT_STOP:
        if (vm->cfg.machine == MACHINE_TESTBENCH) {
            if (vm->testdev.state == TESTDEV_PASSED) {
                vm_say(vm, "test passed (%u checks, %u exceptions, %" PRIu64 " instructions)\n",
                        vm->testdev.check, vm->testdev.exceptions, v->icount);
                status = 0;
            } else {
                vm_say(vm, "test FAIL at check %u (result %u, %u exceptions), pc %08x\n",
                        vm->testdev.check, vm->testdev.result, vm->testdev.exceptions, v->pc);
                status = 4;
            }
            guest = true;
            reason = "guest-shutdown"; /* the test device ends the run as a power-off would */
            goto out;
        }
        if (vm->stop_reason == VM_STOP_RESET) {
            if (vm->cfg.no_reboot) {
                status = 0;
                guest = true;
                reason = "guest-reset";
                vm_say(vm, "guest reset (-no-reboot: stopping)\n");
                goto out;
            }
            if (vm_reboot(vm) < 0) {
                status = 1;
                goto out;
            }
            vm_ctl_emit(&vm->ctl, vm, VM_EVENT_RESET, true, "guest-reset");
            return false;
        }
        status = 0; /* powered off */
        guest = true;
        reason = "guest-shutdown";
        goto out;
    case VCPU_EXIT_LIMIT:
        vm_say(vm, "instruction limit reached (%" PRIu64 " instructions, pc %08x)\n", v->icount, v->pc);
        status = 3;
        goto out;
    case VCPU_EXIT_TIMEOUT:
        vm_say(vm, "timeout after %.1f s (%" PRIu64 " instructions)\n", vm->cfg.timeout_s, v->icount);
        status = 3;
        goto out;
    case VCPU_EXIT_WEDGED:
        if (vm->console)
            console_close(vm->console); /* the dump goes to a sane terminal */
        flockfile(stderr); /* the dump in one piece, whatever other VMs print meanwhile */
        for (unsigned i = 1; i < vm->nr_vcpus; i++)
            if (vm->vcpus[i]->wedge_reason && !v->wedge_reason)
                v = vm->vcpus[i]; /* -smp: the vCPU that wedged */
        vm_say(vm, "guest wedged: %s\n",
               v->wedge_reason == 1   ? "wait with every wake-up source masked"
               : v->wedge_reason == 3 ? "no VPE left running (all halted or inactive)"
                                      : "exception loop without progress");
        for (unsigned i = 0; i < vm->nr_vcpus; i++) {
            if (vm->nr_vcpus > 1)
                fprintf(stderr, "vCPU %u (VPE %u)%s:\n", i, i, vm->vcpus[i] == v ? ", the one that wedged" : "");
            vcpu_dump(vm->vcpus[i], stderr);
        }
        if (vm->malta)
            malta_dump(vm->malta, stderr);
        funlockfile(stderr);
        status = 2;
        guest = true;
        reason = "guest-panic";
        goto out;
    case VCPU_EXIT_USER_QUIT:
        status = 0;
        reason = vm->quit_reason ? vm->quit_reason : "host-ui";
        goto out;
    case VCPU_EXIT_SIGNAL:
        if (vm->console)
            console_close(vm->console);
        vm_say(vm, "stopped by signal %d\n", console_signal(vm->console));
        status = 1;
        reason = "host-signal";
        goto out;
    case VCPU_EXIT_HOST_ERROR:
    default:
        status = 1;
        goto out;
    }
out:
    vm_ctl_set_state(&vm->ctl, status == 2 || (status == 1 && strcmp(reason, "host-signal"))
                                   ? VM_STATE_INTERNAL_ERROR : VM_STATE_SHUTDOWN);
    /* The event before the close: a client waiting for the end (QMP quit) then has it queued. */
    vm_ctl_emit(&vm->ctl, vm, VM_EVENT_SHUTDOWN, guest, reason);
    vm_ctl_close(&vm->ctl);
    if (vm->console)
        console_close(vm->console);
    vm_report_time(vm);
    *statusp = status;
    return true;
}
