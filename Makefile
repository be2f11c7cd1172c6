# mvisor: one non-recursive GNU make for the monitor, its tests, the guest and the benchmarks.
#
#   make [all]          build/mvisor
#   make run            boot the reference guest (fetched on first use)
#   make check          every test suite, then a summary; non-zero exit on any failure
#   make help           the other targets
#
# Sources are found by wildcard: every *.c under the folders in SRC_DIRS (subfolders included)
# is part of the monitor, so adding a file needs no edit here. Everything built goes under
# build/; downloads go to ${MVISOR_CACHE:-~/.cache/mvisor}.

.SUFFIXES:
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

B := build
SRC_DIRS := dbt monitor shadow-mmu devices cache numa

CC := cc
AR := ar
CFLAGS = -O2 -g -Wall -Wextra -Werror -std=gnu11 -I.
DEPFLAGS = -MMD -MP
LDFLAGS =
LDLIBS = -lcapstone -lelf -lxxhash -ljansson -lz -lslirp -lseccomp -lm -lpthread
TEST_LDLIBS = -lcmocka $(LDLIBS)
UBSAN_FLAGS = -fsanitize=undefined -fno-sanitize-recover=all
TSAN_FLAGS = -fsanitize=thread
ASAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Execution modes the ISA suite runs every bare test under (dbt-nochain: --exec dbt --no-chain;
# dbt-flush: a 64 KiB code buffer, flushed all the time);
# trap: --exec trap, trap-and-emulate.
MODES ?= interp dbt dbt-nochain dbt-flush trap

# The set-up stamp: every rule that builds something waits for it (order-only).
DEPS_STAMP := .stamps/deps

# ---------------------------------------------------------------------------------------------
# The monitor (and copies built with the undefined-behaviour and the thread sanitizer)

SRCS := $(sort $(shell find $(SRC_DIRS) -name '*.c' 2>/dev/null))
MAIN_SRC := monitor/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))

# The FPU's semantics must never become a host fused multiply-add or use host rounding (they
# are integer code, see dbt/fpu_ieee.c); say so to the compiler as well.
$(B)/obj/dbt/fpu.o $(B)/obj/dbt/fpu_%.o $(B)/ubsan/obj/dbt/fpu.o $(B)/ubsan/obj/dbt/fpu_%.o \
$(B)/tsan/obj/dbt/fpu.o $(B)/tsan/obj/dbt/fpu_%.o \
$(B)/fuzz/obj/dbt/fpu.o $(B)/fuzz/obj/dbt/fpu_%.o: CFLAGS += -ffp-contract=off

# variant DIR EXTRA-FLAGS: objects under DIR/obj/, DIR/libmvisor.a and DIR/mvisor
define variant
$(1)/obj/%.o: %.c | $$(DEPS_STAMP)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $(2) $$(DEPFLAGS) -c -o $$@ $$<

$(1)/libmvisor.a: $$(patsubst %.c,$(1)/obj/%.o,$$(LIB_SRCS)) | $$(DEPS_STAMP)
	@mkdir -p $$(@D)
	@rm -f $$@
	$$(AR) rcs $$@ $$^

$(1)/mvisor: $(1)/obj/monitor/main.o $(1)/libmvisor.a
	$$(CC) $$(CFLAGS) $(2) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef

$(eval $(call variant,$(B),))
$(eval $(call variant,$(B)/ubsan,$(UBSAN_FLAGS)))
$(eval $(call variant,$(B)/tsan,$(TSAN_FLAGS)))
$(eval $(call variant,$(B)/asan,$(ASAN_FLAGS)))

LIB := $(B)/libmvisor.a
MVISOR := $(B)/mvisor
MVISOR_UBSAN := $(B)/ubsan/mvisor
MVISOR_TSAN := $(B)/tsan/mvisor

.DEFAULT_GOAL := all
.PHONY: all
all: $(MVISOR)

# ---------------------------------------------------------------------------------------------
# C tests: cmocka unit tests (one binary per tests/unit/test_*.c) and the decoder check

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(UNIT_SRCS))
$(UNIT_BINS): $(B)/tests/unit/%: $(B)/obj/tests/unit/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LDLIBS)

DECODER_SRCS := $(sort $(wildcard tests/decoder/*.c))
DECODER_BIN := $(if $(DECODER_SRCS),$(B)/tests/decoder_check)
$(B)/tests/decoder_check: $(patsubst %.c,$(B)/obj/%.o,$(DECODER_SRCS)) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LDLIBS)

LOCKSTEP_BIN := $(B)/tests/lockstep
$(LOCKSTEP_BIN): $(B)/obj/tests/diff/lockstep.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The multi-VM test built with ThreadSanitizer (suite tsan, beside the qmp sessions on
# build/tsan/mvisor): VMs on several threads share nothing mutable, or this reports the race.
TSAN_TESTS := $(B)/tsan/tests/unit/test_multivm $(B)/tsan/tests/unit/test_sched $(B)/tsan/tests/unit/test_virtio_blk \
              $(B)/tsan/tests/unit/test_bufcache $(B)/tsan/tests/unit/test_virtio_net \
              $(B)/tsan/tests/unit/test_virtio_balloon
TSAN_TESTS += $(B)/tsan/tests/unit/test_pageshare
TSAN_TESTS += $(B)/tsan/tests/unit/test_numa
$(B)/tsan/tests/unit/%: $(B)/tsan/obj/tests/unit/%.o $(B)/tsan/libmvisor.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TSAN_FLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LDLIBS)

# The disk-image tests built with AddressSanitizer and UBSan (suite asan), linked with the block
# layer's objects only: corrupt images must give errors, never a bad memory access.
BLOCK_SRCS := $(filter devices/block/%,$(LIB_SRCS))
ASAN_TESTS := $(patsubst tests/unit/%.c,$(B)/asan/tests/unit/%,$(wildcard tests/unit/test_block_*.c))
$(B)/asan/tests/unit/%: $(B)/asan/obj/tests/unit/%.o $(patsubst %.c,$(B)/asan/obj/%.o,$(BLOCK_SRCS))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ASAN_FLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LDLIBS)
.SECONDARY: $(patsubst $(B)/asan/tests/unit/%,$(B)/asan/obj/tests/unit/%.o,$(ASAN_TESTS))
# The balloon's test too (hostile PFN lists and reports), linked with the virtio transport and
# guest memory only.
BALLOON_ASAN_SRCS := devices/virtio/virtio_balloon.c devices/virtio/virtio_pci.c devices/virtio/virtqueue.c \
	devices/bus.c shadow-mmu/pmap.c shadow-mmu/machmem.c shadow-mmu/physmap.c shadow-mmu/stlb.c shadow-mmu/bufcache.c
ASAN_TESTS += $(B)/asan/tests/unit/test_virtio_balloon
$(B)/asan/tests/unit/test_virtio_balloon: $(B)/asan/obj/tests/unit/test_virtio_balloon.o \
	$(patsubst %.c,$(B)/asan/obj/%.o,$(BALLOON_ASAN_SRCS))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ASAN_FLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LDLIBS)
# The TCP segmenter's test (large frames, hostile headers), linked with the network layer only.
NET_ASAN_SRCS := $(filter devices/net/%,$(LIB_SRCS))
ASAN_TESTS += $(B)/asan/tests/unit/test_net_gso
$(B)/asan/tests/unit/test_net_gso: $(B)/asan/obj/tests/unit/test_net_gso.o $(patsubst %.c,$(B)/asan/obj/%.o,$(NET_ASAN_SRCS))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ASAN_FLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LDLIBS)

.PHONY: unit-tests decoder-check
unit-tests: $(UNIT_BINS)
decoder-check: $(DECODER_BIN)

# ---------------------------------------------------------------------------------------------
# Fuzzing (README "Fuzzing"): one libFuzzer harness per surface, tests/fuzz/fuzz_TARGET.c, each
# with its seed corpus tests/fuzz/corpus/TARGET/. The monitor's sources are built again with
# clang under AddressSanitizer and UBSan, with libFuzzer's coverage (build/fuzz/obj/).
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS='diff virtq_blk']   fuzz each target in turn
# The suite fuzz (make check) replays every corpus and fuzzes FUZZ_CHECK_SECONDS in all.
FUZZ_CC := clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -O1 -g -Wall -Wextra -Werror -std=gnu11 -I. $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 120
export FUZZ_CHECK_SECONDS

$(B)/fuzz/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(filter -ffp-contract=off,$(CFLAGS)) $(DEPFLAGS) -c -o $@ $<

$(B)/fuzz/libmvisor.a: $(patsubst %.c,$(B)/fuzz/obj/%.o,$(LIB_SRCS)) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/fuzz/fuzz_%: $(B)/fuzz/obj/tests/fuzz/fuzz_%.o $(B)/fuzz/libmvisor.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(LDLIBS)
.SECONDARY: $(patsubst tests/fuzz/%.c,$(B)/fuzz/obj/tests/fuzz/%.o,$(FUZZ_SRCS))

# Seeds that are ELF files are written here, not committed (tests/fuzz/make-elf-seeds.py).
FUZZ_GEN_SEEDS := $(B)/fuzz/seeds/elf.stamp
$(FUZZ_GEN_SEEDS): tests/fuzz/make-elf-seeds.py $(GUEST_STAMP)
	tests/fuzz/make-elf-seeds.py $(B)/fuzz/seeds/elf $(B)/guest/vmlinuz
	@touch $@

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS) $(FUZZ_GEN_SEEDS)
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh --fuzz $(FUZZ_TARGETS)

# ---------------------------------------------------------------------------------------------
# ISA tests: MIPS32r2 programs for the bare test machine (build/isa/bare/<kind>/<name>.elf) and,
# for tests/isa/user, the same programs as static Linux executables (build/isa/linux/<name>).

MIPS_CC := mipsel-linux-gnu-gcc
ISA_CFLAGS := -march=mips32r2 -EL -fno-pic -mno-abicalls -no-pie -nostdlib -Itests/isa/include \
	-Wl,--build-id=none
ISA_COMMON := $(wildcard tests/isa/include/*.h)
ISA_USER_SRCS := $(sort $(wildcard tests/isa/user/*.S))
ISA_KERNEL_SRCS := $(sort $(wildcard tests/isa/kernel/*.S))
ISA_SELFTEST_SRCS := $(sort $(wildcard tests/isa/selftest/*.S))
ISA_BARE := $(patsubst tests/isa/%.S,$(B)/isa/bare/%.elf,$(ISA_USER_SRCS) $(ISA_KERNEL_SRCS) $(ISA_SELFTEST_SRCS))
ISA_LINUX := $(patsubst tests/isa/user/%.S,$(B)/isa/linux/%,$(ISA_USER_SRCS))

$(B)/isa/bare/%.elf: tests/isa/%.S tests/isa/lib/crt_bare.S tests/isa/lib/bare.ld $(ISA_COMMON) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MIPS_CC) $(ISA_CFLAGS) -T tests/isa/lib/bare.ld -o $@ tests/isa/lib/crt_bare.S $<

$(B)/isa/linux/%: tests/isa/user/%.S tests/isa/lib/crt_user.S $(ISA_COMMON) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MIPS_CC) $(ISA_CFLAGS) -static -DTARGET_LINUX -o $@ tests/isa/lib/crt_user.S $<

# The isa-user suite's self-test: a program that skips a declared check, for Linux.
ISA_LINUX += $(B)/isa/linux/selftest/skips_checks
$(B)/isa/linux/selftest/%: tests/isa/selftest/%.S tests/isa/lib/crt_user.S $(ISA_COMMON) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MIPS_CC) $(ISA_CFLAGS) -static -DTARGET_LINUX -o $@ tests/isa/lib/crt_user.S $<

# FPU tests (all run with -cpu 24Kf, crt_bare.S enabling CP1 when built with -DISA_FPU):
#   tests/isa/fpu/NAME.S       kernel mode, bare only; built for a 64-bit FPU, they set Status.FR
#   tests/isa/fpu-user/NAME.S  unprivileged, built twice: NAME-fr0 (-mfp32, Status.FR = 0) and
#                              NAME-fr1 (-mfp64, FR = 1), each bare and as a static Linux program
# and tests/isa/nofpu/NAME.S, kernel mode on the FPU-less 24Kc (-cpu 24Kc).
ISA_FP_CFLAGS := -mhard-float -DISA_FPU
ISA_FPU_SRCS := $(sort $(wildcard tests/isa/fpu/*.S))
ISA_FPU_USER_SRCS := $(sort $(wildcard tests/isa/fpu-user/*.S))
ISA_NOFPU_SRCS := $(sort $(wildcard tests/isa/nofpu/*.S))
ISA_BARE += $(patsubst tests/isa/%.S,$(B)/isa/bare/%.elf,$(ISA_FPU_SRCS) $(ISA_NOFPU_SRCS))
ISA_BARE += $(foreach fr,fr0 fr1,$(patsubst tests/isa/fpu-user/%.S,$(B)/isa/bare/fpu-user/%-$(fr).elf,$(ISA_FPU_USER_SRCS)))
ISA_LINUX += $(foreach fr,fr0 fr1,$(patsubst tests/isa/fpu-user/%.S,$(B)/isa/linux/fpu-user/%-$(fr),$(ISA_FPU_USER_SRCS)))

$(B)/isa/bare/fpu/%.elf: tests/isa/fpu/%.S tests/isa/lib/crt_bare.S tests/isa/lib/bare.ld $(ISA_COMMON) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MIPS_CC) $(ISA_CFLAGS) $(ISA_FP_CFLAGS) -mfp64 -T tests/isa/lib/bare.ld -o $@ tests/isa/lib/crt_bare.S $<

# fpu_user_rule FR FLAG: the FR = 0 or FR = 1 build of the unprivileged FPU tests
define fpu_user_rule
$(B)/isa/bare/fpu-user/%-$(1).elf: tests/isa/fpu-user/%.S tests/isa/lib/crt_bare.S tests/isa/lib/bare.ld $(ISA_COMMON) | $(DEPS_STAMP)
	@mkdir -p $$(@D)
	$(MIPS_CC) $(ISA_CFLAGS) $(ISA_FP_CFLAGS) $(2) -T tests/isa/lib/bare.ld -o $$@ tests/isa/lib/crt_bare.S $$<

$(B)/isa/linux/fpu-user/%-$(1): tests/isa/fpu-user/%.S tests/isa/lib/crt_user.S $(ISA_COMMON) | $(DEPS_STAMP)
	@mkdir -p $$(@D)
	$(MIPS_CC) $(ISA_CFLAGS) $(ISA_FP_CFLAGS) $(2) -static -DTARGET_LINUX -o $$@ tests/isa/lib/crt_user.S $$<
endef
$(eval $(call fpu_user_rule,fr0,-mfp32))
$(eval $(call fpu_user_rule,fr1,-mfp64))

# The same user programs as mapped user-mode code (tests/isa/lib/crt_umode.S, umode.ld): a small
# kernel in kseg0 maps them at 0x00400000 through the TLB and enters them in user mode; umode-irq
# adds its timer interrupt (TLB flushes and ASID switches at arbitrary points, -DUMODE_TIMER).
#   build/isa/bare/KIND/NAME.elf             from tests/isa/user/NAME.S
#   build/isa/bare/KIND/fpu-user/NAME-FR.elf from tests/isa/fpu-user/NAME.S (FR = fr0, fr1)
ISA_UMODE_DEPS := tests/isa/lib/crt_umode.S tests/isa/lib/umode.ld $(ISA_COMMON)

# umode_rule KIND FLAGS
define umode_rule
ISA_BARE += $$(patsubst tests/isa/user/%.S,$(B)/isa/bare/$(1)/%.elf,$$(ISA_USER_SRCS))
ISA_BARE += $$(foreach fr,fr0 fr1,$$(patsubst tests/isa/fpu-user/%.S,$(B)/isa/bare/$(1)/fpu-user/%-$$(fr).elf,$$(ISA_FPU_USER_SRCS)))

$(B)/isa/bare/$(1)/%.elf: tests/isa/user/%.S $$(ISA_UMODE_DEPS) | $$(DEPS_STAMP)
	@mkdir -p $$(@D)
	$$(MIPS_CC) $$(ISA_CFLAGS) $(2) -T tests/isa/lib/umode.ld -o $$@ tests/isa/lib/crt_umode.S $$<

$(B)/isa/bare/$(1)/fpu-user/%-fr0.elf: tests/isa/fpu-user/%.S $$(ISA_UMODE_DEPS) | $$(DEPS_STAMP)
	@mkdir -p $$(@D)
	$$(MIPS_CC) $$(ISA_CFLAGS) $$(ISA_FP_CFLAGS) -mfp32 $(2) -T tests/isa/lib/umode.ld -o $$@ tests/isa/lib/crt_umode.S $$<

$(B)/isa/bare/$(1)/fpu-user/%-fr1.elf: tests/isa/fpu-user/%.S $$(ISA_UMODE_DEPS) | $$(DEPS_STAMP)
	@mkdir -p $$(@D)
	$$(MIPS_CC) $$(ISA_CFLAGS) $$(ISA_FP_CFLAGS) -mfp64 $(2) -T tests/isa/lib/umode.ld -o $$@ tests/isa/lib/crt_umode.S $$<

# the harness self-tests: a failing check reported through the kernel part, its exception
# records, and the two programs the declared-count verdict must reject (tests/isa/run.sh)
ISA_BARE += $$(patsubst %,$(B)/isa/bare/$(1)/selftest/%.elf,must_fail umode_exc skips_checks undeclared_exception)
$(B)/isa/bare/$(1)/selftest/%.elf: tests/isa/selftest/%.S $$(ISA_UMODE_DEPS) | $$(DEPS_STAMP)
	@mkdir -p $$(@D)
	$$(MIPS_CC) $$(ISA_CFLAGS) $(2) -T tests/isa/lib/umode.ld -o $$@ tests/isa/lib/crt_umode.S $$<
endef
$(eval $(call umode_rule,umode,))
$(eval $(call umode_rule,umode-irq,-DUMODE_TIMER))
# not run under the timer (an SC right after its LL; tests/lib.sh, isa_bare_tests)
ISA_BARE := $(filter-out $(addprefix $(B)/isa/bare/umode-irq/,ll_sc_basic.elf sync_variants.elf),$(ISA_BARE))

# The kernel-mode programs (kernel/, fpu/, nofpu/) built a second way for qemu-system-mipsel -M malta,
# the outside oracle of suite isa-qemu (tests/isa/run-qemu.sh): crt_bare.S with -DTARGET_MALTA plus
# crt_malta.S (the result on the UART, exit through the board's reset register), linked by malta.ld.
# NAME.elf is the program without its boot-exception vectors, NAME.bev those vectors as a raw image
# for 0x1FC00200 (the runner loads it into QEMU's boot ROM).
ISA_MALTA_DEPS := tests/isa/lib/crt_bare.S tests/isa/lib/crt_malta.S tests/isa/lib/malta.ld $(ISA_COMMON)
ISA_MALTA := $(patsubst tests/isa/%.S,$(B)/isa/malta/%.elf,$(ISA_KERNEL_SRCS) $(ISA_FPU_SRCS) $(ISA_NOFPU_SRCS) \
	tests/isa/selftest/must_fail.S tests/isa/selftest/skips_checks.S tests/isa/selftest/undeclared_exception.S)
ISA_BARE_PRIV := $(patsubst tests/isa/%.S,$(B)/isa/bare/%.elf,$(ISA_KERNEL_SRCS) $(ISA_FPU_SRCS) $(ISA_NOFPU_SRCS))
MIPS_OBJCOPY := mipsel-linux-gnu-objcopy

# malta_link FLAGS: compile and link $< into $@.full, then split it into $@ and the .bev image
define malta_link
	@mkdir -p $(@D)
	$(MIPS_CC) $(ISA_CFLAGS) $(1) -DTARGET_MALTA -T tests/isa/lib/malta.ld -o $@.full \
		tests/isa/lib/crt_bare.S tests/isa/lib/crt_malta.S $<
	$(MIPS_OBJCOPY) -O binary -j .bev --set-section-flags .bev=alloc,load,contents $@.full $(@:.elf=.bev)
	$(MIPS_OBJCOPY) -R .bev $@.full $@
	@rm -f $@.full
endef
$(B)/isa/malta/%.elf: tests/isa/%.S $(ISA_MALTA_DEPS) | $(DEPS_STAMP)
	$(call malta_link,)
$(B)/isa/malta/fpu/%.elf: tests/isa/fpu/%.S $(ISA_MALTA_DEPS) | $(DEPS_STAMP)
	$(call malta_link,$(ISA_FP_CFLAGS) -mfp64)

.PHONY: isa-tests
isa-tests: $(ISA_BARE) $(ISA_LINUX) $(ISA_MALTA)

# ---------------------------------------------------------------------------------------------
# Set-up, the guest, the initramfs

$(DEPS_STAMP): scripts/install-deps.sh
	@scripts/install-deps.sh $@
	@touch $@

GUEST_STAMP := $(B)/guest/.stamp
GUEST_FILES := $(addprefix $(B)/guest/,vmlinuz vmlinux.bin vmlinux.info config busybox modules/modules.order)
$(GUEST_STAMP): scripts/guest.pins scripts/fetch-guest.sh scripts/guest-lib.sh | $(DEPS_STAMP)
	@scripts/fetch-guest.sh
	@touch $@
$(GUEST_FILES): $(GUEST_STAMP) ;

# The kernel payload as an ELF (tests/vms/make-kernel-elf.sh): a boot without the decompressor
# costs about 40% less host CPU, what a launch of hundreds of VMs is made of (bench/vms.py
# --kernel $(GUEST_ELF); README "Boot CPU of a big launch").
GUEST_ELF := $(B)/guest/vmlinux.elf
$(GUEST_ELF): tests/vms/make-kernel-elf.sh $(GUEST_STAMP)
	tests/vms/make-kernel-elf.sh $(B)/guest/vmlinux.info $(B)/guest/vmlinux.bin $@

INITRAMFS := $(B)/initramfs.cpio.gz
$(INITRAMFS): scripts/make-initramfs.sh $(GUEST_STAMP) | $(DEPS_STAMP)
	scripts/make-initramfs.sh $(B)/guest/busybox $@

# A Debian 12 mipsel root file system (scripts/make-rootfs.sh; README "A Debian root file system"):
# debootstrap's first stage on the host, its second stage inside mvisor. Cached in
# $${MVISOR_CACHE:-~/.cache/mvisor}/rootfs/ and rebuilt only when the script or the kernel pin
# changes; build/rootfs/ gets base.img, base.qcow2 (links to the cache) and disk.qcow2 (an
# overlay to boot by hand). Needs root; never part of make check. scripts/rootfs-fixup.sh then
# drops the configuration files a loaded host needs into a copy of the cached image (seconds, no
# second build); build/rootfs/ links to that copy, build/rootfs/stock/ to the image as built.
ROOTFS_DIR := $(B)/rootfs
ROOTFS_MAKE := scripts/make-rootfs.sh $(ROOTFS_DIR)/stock && scripts/rootfs-fixup.sh $(ROOTFS_DIR)/stock $(ROOTFS_DIR)
.PHONY: rootfs
rootfs: $(MVISOR) $(GUEST_STAMP) $(INITRAMFS) | $(DEPS_STAMP)
	$(ROOTFS_MAKE)

.PHONY: deps guest initramfs update-guest
deps: $(DEPS_STAMP)
guest: $(GUEST_STAMP)
initramfs: $(INITRAMFS)
update-guest: | $(DEPS_STAMP)
	scripts/update-guest.sh
	@scripts/fetch-guest.sh

# ---------------------------------------------------------------------------------------------
# Running

# ARGS: more options for the guest, e.g. ARGS='-drive file=disk.img,if=virtio' (both targets);
# APPEND: the kernel command line, e.g. APPEND='console=ttyS0 root=/dev/vda' boots a disk's system.
# ROOTFS=1: boot make rootfs's Debian system from its overlay build/rootfs/disk.qcow2 (root=/dev/vda).
ROOTFS_RUN := $(if $(filter-out 0,$(ROOTFS)),yes)
ROOTFS_DRIVE := -drive file=$(ROOTFS_DIR)/disk.qcow2,if=virtio
APPEND ?= console=ttyS0$(if $(ROOTFS_RUN), root=/dev/vda)
RUN_ARGS = -M malta -m 256 -kernel $(B)/guest/vmlinuz -initrd $(INITRAMFS) -append '$(APPEND)' -nographic \
    $(if $(ROOTFS_RUN),$(ROOTFS_DRIVE))
.PHONY: run run-qemu
run: $(MVISOR) $(GUEST_STAMP) $(INITRAMFS) $(if $(ROOTFS_RUN),rootfs)
	$(MVISOR) $(RUN_ARGS) $(ARGS)

# The same guest on QEMU, the reference machine (Ctrl-A x quits). -nic none -vga none: QEMU's
# Malta otherwise adds a PCnet NIC and a Cirrus VGA and refuses to start without their option
# ROMs, which Debian ships only in recommended packages (ipxe-qemu, seabios).
run-qemu: $(GUEST_STAMP) $(INITRAMFS) $(if $(ROOTFS_RUN),rootfs)
	qemu-system-mipsel $(RUN_ARGS) -no-reboot -nic none -vga none $(ARGS)

# ---------------------------------------------------------------------------------------------
# Tests. Each suite writes build/test-logs/<suite>.result; tests/summary.sh adds them up.

export MODES
SUITES := unit decoder isa isa-user isa-qemu cli ubsan diff boot disk net qmp tsan vms asan balloon fuzz
SUITES += hostile
QUICK_SUITES := unit isa isa-user
# tests/unit/test_multivm.c runs these bare ISA programs side by side in one process.
MULTIVM_ELFS := $(patsubst %,$(B)/isa/bare/%.elf,user/prog_crc32 user/prog_bubble_sort kernel/wait_timer \
	kernel/tlb_refill_load selftest/must_fail kernel/smc_rewrite_executed user/prog_fibonacci user/prog_adler32)
SUITE_PREREQS_unit := $(UNIT_BINS) $(MULTIVM_ELFS)
SUITE_PREREQS_decoder := $(DECODER_BIN) $(GUEST_STAMP) $(MVISOR) \
	$(filter $(B)/isa/bare/fpu/% $(B)/isa/bare/fpu-user/%-fr1.elf,$(ISA_BARE))
SUITE_PREREQS_isa := $(MVISOR) $(ISA_BARE)
SUITE_PREREQS_isa-user := $(ISA_LINUX)
SUITE_PREREQS_isa-qemu := $(MVISOR) $(ISA_BARE_PRIV) $(ISA_MALTA)
SUITE_PREREQS_cli := $(MVISOR) $(GUEST_STAMP)
SUITE_PREREQS_ubsan := $(MVISOR_UBSAN) $(ISA_BARE)
SUITE_PREREQS_diff := $(LOCKSTEP_BIN) $(ISA_BARE) $(GUEST_STAMP) $(INITRAMFS)
SUITE_PREREQS_boot := $(MVISOR) $(GUEST_STAMP) $(INITRAMFS) $(DECODER_BIN)
SUITE_PREREQS_disk := $(MVISOR) $(GUEST_STAMP) $(INITRAMFS)
SUITE_PREREQS_net := $(MVISOR) $(GUEST_STAMP) $(INITRAMFS) $(B)/bench/net.cpio.gz
SUITE_PREREQS_qmp := $(MVISOR) $(GUEST_STAMP) $(INITRAMFS)
SUITE_PREREQS_vms := $(MVISOR) $(GUEST_STAMP) $(INITRAMFS)
# Suite tsan: the multi-VM test and the qmp sessions, both on the ThreadSanitizer build.
SUITE_PREREQS_tsan := $(TSAN_TESTS) $(MULTIVM_ELFS) $(MVISOR_TSAN) $(GUEST_STAMP) $(INITRAMFS)
SUITE_PREREQS_asan := $(ASAN_TESTS) $(B)/asan/mvisor $(GUEST_STAMP) $(INITRAMFS)
SUITE_PREREQS_balloon := $(MVISOR) $(GUEST_STAMP) $(INITRAMFS)
SUITE_PREREQS_fuzz := $(FUZZ_BINS) $(FUZZ_GEN_SEEDS)
SUITE_PREREQS_hostile := $(MVISOR) $(GUEST_STAMP) $(INITRAMFS)

# The check targets build what their suites need with `make -k` (a build failure is reported
# as the failed pseudo-suite "build"), then run the suites even if some of it did not build:
# the tests of what did not build fail as "not built".
RUN_SUITES = MAKE='$(MAKE)' scripts/run-suites.sh --build
.PHONY: check check-quick $(addprefix check-,$(SUITES)) build-for-check build-for-check-quick
build-for-check: $(MVISOR) $(GUEST_STAMP) $(foreach s,$(SUITES),$(SUITE_PREREQS_$(s))) ; @:
build-for-check-quick: $(foreach s,$(QUICK_SUITES),$(SUITE_PREREQS_$(s))) ; @:
check: $(DEPS_STAMP)
	+@$(RUN_SUITES) build-for-check $(SUITES)
check-quick: $(DEPS_STAMP)
	+@$(RUN_SUITES) build-for-check-quick $(QUICK_SUITES)
define suite_rule
.PHONY: build-for-$(1)
build-for-$(1): $(SUITE_PREREQS_$(1)) ; @:
check-$(1): $(DEPS_STAMP)
	+@$$(RUN_SUITES) build-for-$(1) $(1)
endef
$(foreach s,$(SUITES),$(eval $(call suite_rule,$(s))))
# make check-long: the disk suite's crash tests with 20 rounds each instead of 5 (kill -9) and
# 4 (power failure), as the suite disk-long (scripts/run-suites.sh); and the suite rootfs-long,
# which boots make rootfs's Debian system (built first if not cached: root, an hour or more); and
# the suite fuzz-long: an hour of fuzzing for each guest-facing harness, 10 minutes for the others.
.PHONY: check-long
check-long: $(DEPS_STAMP)
	+@$(RUN_SUITES) 'build-for-disk rootfs fuzz-build' disk-long rootfs-long fuzz-long

# ---------------------------------------------------------------------------------------------
# Benchmarks

# make bench: the interpreter-speed report, then bench/run.py: the same kernel and workload
# initramfs under qemu-system-mipsel and each mvisor execution mode, alternating, plus the native
# build of the integer benchmark and the privileged-operation microbenchmark (README "Benchmarks").
# BENCH_QUICK=1: fewer rounds, smaller workloads. BENCH_ARGS: more bench/run.py options.
BENCH_CFLAGS := -O2 -Wall -Wextra -Werror -std=gnu11
BENCH_WL_SRCS := $(sort $(wildcard bench/guest/*.c))
BENCH_WL_DEPS := $(BENCH_WL_SRCS) $(wildcard bench/guest/*.h)
BENCH_WL := $(B)/bench/guest/wl
BENCH_NATIVE_WL := $(B)/bench/native/wl
BENCH_INITRAMFS := $(B)/bench/workload.cpio.gz
BENCH_QUICK_FLAG := $(if $(filter-out 0,$(BENCH_QUICK)),--quick)
BENCH_PRIVOPS_TICKS := $(if $(BENCH_QUICK_FLAG),2000000,10000000)
BENCH_PRIVOPS := $(B)/bench/micro/privops-$(BENCH_PRIVOPS_TICKS).elf

# Static for the guest (Debian's cross glibc), stripped to keep the initramfs small.
$(BENCH_WL): $(BENCH_WL_DEPS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MIPS_CC) $(BENCH_CFLAGS) -march=mips32r2 -static -s -o $@ $(BENCH_WL_SRCS)

# The same sources for the host: the physical limit, and the oracle for the results.
$(BENCH_NATIVE_WL): $(BENCH_WL_DEPS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $(BENCH_WL_SRCS)

$(BENCH_INITRAMFS): bench/make-workload-initramfs.sh bench/guest/init.sh $(INITRAMFS) $(BENCH_WL) | $(DEPS_STAMP)
	bench/make-workload-initramfs.sh $(INITRAMFS) $(BENCH_WL) $@

# Rebuilt when the time per kind changes (quick or not): the Count ticks are part of the name.
$(B)/bench/micro/privops-%.elf: bench/micro/privops.S tests/isa/lib/crt_bare.S tests/isa/lib/bare.ld $(ISA_COMMON) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MIPS_CC) $(ISA_CFLAGS) -DPRIV_TICKS=$* -T tests/isa/lib/bare.ld -o $@ tests/isa/lib/crt_bare.S $<

.PHONY: bench bench-build bench-zboot
bench-build: $(MVISOR) $(GUEST_STAMP) $(BENCH_INITRAMFS) $(BENCH_NATIVE_WL) $(BENCH_PRIVOPS)
bench: bench-build
	bench/interp-speed.sh
	bench/zboot.py $(if $(BENCH_QUICK_FLAG),--pairs 3)
	bench/run.py $(BENCH_QUICK_FLAG) --privops $(BENCH_PRIVOPS) $(BENCH_ARGS)

# make bench-proc: the process-heavy workload (bench/guest/proc.sh: thousands of short,
# dynamically linked Debian programs in shell pipelines, ASLR on; README "Benchmarks") under QEMU
# and mvisor dbt, and the dbt of BENCH_PROC_BASE's build (the no-regression baseline, built from
# git by bench/vms/build-baseline.sh) in the same alternating rounds: build/bench/proc/compare.md.
# BENCH_QUICK=1: 3 rounds of 30 rounds of programs. BENCH_PROC_ARGS: more bench/run.py options.
BENCH_PROC_INITRAMFS := $(B)/bench/proc.cpio.gz
BENCH_PROC_BASE := 88b7bbb0765d6eb1b5ef83e47ef5819f9ee6a3ea
BENCH_PROC_BASE_DIR := $(B)/bench-proc/baseline

$(BENCH_PROC_INITRAMFS): bench/make-proc-initramfs.sh bench/guest/proc.sh $(BENCH_INITRAMFS) | $(DEPS_STAMP)
	bench/make-proc-initramfs.sh $(BENCH_INITRAMFS) $@

.PHONY: bench-proc
bench-proc: $(MVISOR) $(GUEST_STAMP) $(BENCH_PROC_INITRAMFS)
	bench/vms/build-baseline.sh $(BENCH_PROC_BASE) $(BENCH_PROC_BASE_DIR)
	bench/run.py $(BENCH_QUICK_FLAG) --initrd $(BENCH_PROC_INITRAMFS) --workloads proc --configs qemu,dbt \
		--no-micro --baseline-mvisor $(BENCH_PROC_BASE_DIR)/mvisor --out $(B)/bench/proc $(BENCH_PROC_ARGS)

# make bench-vms: many VMs in one monitor against as many QEMU processes (bench/vms.py; README
# "Many VMs: make bench-vms"): density, idle cost and its floor, how many, start rate, fairness,
# console latency, and make bench's ratios against the build of BENCH_VMS_BASE, the main branch
# before the multi-VM work (the first parent of its first merge, "Merge qmp"), built from git.
# BENCH_VMS_QUICK=1: small counts, short windows. BENCH_VMS_ARGS: more bench/vms.py options.
BENCH_VMS_BASE := 3b4322b39ec878b487cb9ddbd257bb6afaa97b8f
BENCH_VMS_BASE_DIR := $(B)/bench-vms/baseline
BENCH_WAKE := $(B)/bench/native/wake
BENCH_VMS_QUICK_FLAG := $(if $(filter-out 0,$(BENCH_VMS_QUICK)),--quick)

$(BENCH_WAKE): bench/vms/wake.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

.PHONY: bench-vms bench-vms-build
bench-vms-build: $(MVISOR) $(GUEST_STAMP) $(GUEST_ELF) $(INITRAMFS) $(BENCH_INITRAMFS) $(BENCH_NATIVE_WL) $(BENCH_WAKE)
	bench/vms/build-baseline.sh $(BENCH_VMS_BASE) $(BENCH_VMS_BASE_DIR)
bench-vms: bench-vms-build
	bench/vms.py $(BENCH_VMS_QUICK_FLAG) --baseline-rev $(BENCH_VMS_BASE) \
	    --baseline-mvisor $(BENCH_VMS_BASE_DIR)/mvisor $(BENCH_VMS_ARGS)

# make bench-disk: virtual disks against QEMU (bench/disk.py; README "Disks: make bench-disk"): dd
# with O_DIRECT on raw and qcow2 with the host's dd as the limit, the root file system's boot and
# a dpkg job. BENCH_DISK_QUICK=1: 2 pairs, 64 MiB. BENCH_DISK_ARGS: more bench/disk.py options.
BENCH_DISK_QUICK_FLAG := $(if $(filter-out 0,$(BENCH_DISK_QUICK)),--pairs 2 --size-mib 64)
# The root file system is made (or found in the cache) only when the rootfs or pss benchmark runs.
BENCH_DISK_ROOTFS := $(if $(findstring --only,$(BENCH_DISK_ARGS)),$(findstring rootfs,$(BENCH_DISK_ARGS))$(findstring pss,$(BENCH_DISK_ARGS)),yes)
.PHONY: bench-disk
bench-disk: $(MVISOR) $(GUEST_STAMP) $(INITRAMFS) | $(DEPS_STAMP)
	$(if $(BENCH_DISK_ROOTFS),$(ROOTFS_MAKE))
	bench/disk.py $(BENCH_DISK_QUICK_FLAG) --rootfs $(ROOTFS_DIR)/base.img $(BENCH_DISK_ARGS)

# make bench-density: host PSS of 1, 2, 4, 8, 16 identical idle VMs, mvisor with and without
# --page-sharing against QEMU processes with the host's KSM on and off (bench/density.py; README
# "Page sharing"). Needs root for KSM. BENCH_DENSITY_QUICK=1: counts 1 2 4, one round.
# BENCH_DENSITY_ARGS: more bench/density.py options.
.PHONY: bench-density
bench-density: $(MVISOR) $(GUEST_STAMP) $(INITRAMFS) $(GUEST_ELF) $(BENCH_INITRAMFS)
	bench/density.py $(if $(BENCH_DENSITY_QUICK),--quick) $(BENCH_DENSITY_ARGS)
# make bench-net: virtio-net against QEMU (bench/net.py; README "Networking: make bench-net"): two
# VMs on mvisor's switch vs two QEMU processes on -netdev socket, host<->guest through user, TCP
# throughput, ping, host CPU per GiB. The guest's TCP tool nb (bench/netguest/nb.c) goes into a
# copy of the default initramfs. BENCH_NET_QUICK=1: 2 pairs, 16 MiB. BENCH_NET_ARGS: more options.
BENCH_NB := $(B)/bench/netguest/nb
BENCH_NET_INITRAMFS := $(B)/bench/net.cpio.gz
BENCH_NET_QUICK_FLAG := $(if $(filter-out 0,$(BENCH_NET_QUICK)),--pairs 2 --mib 16)
$(BENCH_NB): bench/netguest/nb.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MIPS_CC) $(BENCH_CFLAGS) -march=mips32r2 -static -s -o $@ $<
$(BENCH_NET_INITRAMFS): bench/make-net-initramfs.sh $(INITRAMFS) $(BENCH_NB) | $(DEPS_STAMP)
	bench/make-net-initramfs.sh $(INITRAMFS) $(BENCH_NB) $@
.PHONY: bench-net
bench-net: $(MVISOR) $(GUEST_STAMP) $(BENCH_NET_INITRAMFS) | $(DEPS_STAMP)
	bench/net.py $(BENCH_NET_QUICK_FLAG) --initrd $(BENCH_NET_INITRAMFS) $(BENCH_NET_ARGS)

# The guest's decompressor alone: mvisor's translator vs QEMU, build/bench/zboot.md.
bench-zboot: $(MVISOR) $(GUEST_STAMP)
	bench/zboot.py $(if $(BENCH_QUICK_FLAG),--pairs 3)

# make bench-numa: the simulated ccNUMA machine (bench/numa.py; README "NUMA"): local share and
# modelled stall under no policy, first touch and migration + replication, and the counting's
# overhead; (b) a vCPU moved half-way, (d) an SMP guest over two nodes. BENCH_NUMA_QUICK=1: small
# workloads, one run. BENCH_NUMA_ARGS: more options. BENCH_NUMA_DELAY=,delay=on: (b), (d) with delay=on.
.PHONY: bench-numa
bench-numa: $(MVISOR) $(GUEST_STAMP) $(BENCH_INITRAMFS)
	bench/numa.py $(if $(filter-out 0,$(BENCH_NUMA_QUICK)),--quick) $(BENCH_NUMA_ARGS)

# make bench-numa-move: the cost of the policy's page moves apart from any guest (bench/numa_move.c):
# us per move, one page at a time against a round's batch (README "NUMA").
.PHONY: bench-numa-move
$(B)/bench/numa_move: $(B)/obj/bench/numa_move.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
bench-numa-move: $(B)/bench/numa_move
	$(B)/bench/numa_move 21 64

# make bench-smp: -cpu 34Kf -smp 2 against -smp 1 on mvisor and on QEMU, alternating (bench/smp.py;
# README "SMP guests"): two CoreMark-shaped processes at once, and two fork+exec loops at once.
# BENCH_SMP_QUICK=1: one round, small jobs. BENCH_SMP_ARGS: more bench/smp.py options.
.PHONY: bench-smp
bench-smp: $(MVISOR) $(GUEST_STAMP) $(BENCH_INITRAMFS)
	bench/smp.py $(if $(filter-out 0,$(BENCH_SMP_QUICK)),--pairs 1 --intmark 1000 --forks 100) $(BENCH_SMP_ARGS)

# ---------------------------------------------------------------------------------------------

.PHONY: clean distclean help
clean:
	rm -rf $(B)
distclean: clean
	rm -rf .stamps

help:
	@echo "targets:"
	@echo "  all (default)  build/mvisor"
	@echo "  run            boot the reference guest on the Malta board"
	@echo "  run-qemu       boot the same guest on qemu-system-mipsel"
	@echo "  check          all suites ($(SUITES)) and a summary"
	@echo "  check-quick    $(QUICK_SUITES)"
	@echo "  check-SUITE    one suite: $(addprefix check-,$(SUITES))"
	@echo "  fuzz           every libFuzzer harness of tests/fuzz/ for FUZZ_SECONDS each (default 60;"
	@echo "                 FUZZ_TARGETS picks some) -> build/fuzz/, crashes in build/fuzz/artifacts/"
	@echo "                 FUZZ_JOBS=2: two at a time; every run adds to build/fuzz/report.md's rows"
	@echo "  check-long     the disk crash tests with 20 rounds each (suite disk-long); the rootfs booted,"
	@echo "                 dpkg -l and dpkg -i in it (suite rootfs-long; makes the rootfs if not cached);"
	@echo "                 an hour of fuzzing per guest-facing harness, 10 min for the others (fuzz-long)"
	@echo "  bench-vms      many VMs: density, idle cost, how many, fairness, console latency, no"
	@echo "                 regression vs the previous main -> build/bench-vms/*.md, *.png"
	@echo "                 (BENCH_VMS_QUICK=1: small counts; BENCH_VMS_ARGS: more bench/vms.py options)"
	@echo "  bench-disk     dd on raw and qcow2, the rootfs's boot and a dpkg job, vs qemu-system-mipsel"
	@echo "                 -> build/bench-disk/ (BENCH_DISK_QUICK=1: short; BENCH_DISK_ARGS: bench/disk.py options)"
	@echo "  bench-net      virtio-net: switch vs QEMU -netdev socket, user vs QEMU user: TCP, ping, CPU/GiB"
	@echo "                 -> build/bench-net/ (BENCH_NET_QUICK=1: short; BENCH_NET_ARGS: bench/net.py options)"
	@echo "  bench-numa     the simulated ccNUMA machine: local share, modelled stall, UMA bound per policy,"
	@echo "                 counting overhead, moved vCPU, split SMP guest -> build/bench/numa.md (BENCH_NUMA_QUICK=1: short)"
	@echo "  bench-numa-move the NUMA policy's page moves alone: us per move, one at a time vs a round's batch"
	@echo "  bench-smp      -smp 2 vs -smp 1 on mvisor and QEMU: two CPU-bound processes, two fork loops"
	@echo "                 -> build/bench/smp.md (BENCH_SMP_QUICK=1: one small round; BENCH_SMP_ARGS)"
	@echo "  bench          interpreter speed, mvisor vs qemu-system-mipsel side by side, privileged-op"
	@echo "                 microbenchmark -> build/bench/*.md, *.png (BENCH_QUICK=1: shorter;"
	@echo "                 BENCH_ARGS: more bench/run.py options); bench-build builds its inputs only"
	@echo "  deps           install missing Debian packages (scripts/install-deps.sh)"
	@echo "  guest          fetch and unpack the pinned guest into build/guest/"
	@echo "  update-guest   pin the newest Debian kernel and busybox (rewrites scripts/guest.pins)"
	@echo "  initramfs      build/initramfs.cpio.gz from the guest's busybox"
	@echo "  rootfs         Debian 12 mipsel root file system image (debootstrap, second stage in mvisor)"
	@echo "                 -> build/rootfs/{base.img,base.qcow2,disk.qcow2} (cached; needs root)"
	@echo "  unit-tests decoder-check isa-tests   build test programs only"
	@echo "  clean          remove build/ (downloads stay in \$${MVISOR_CACHE:-~/.cache/mvisor})"
	@echo "  distclean      also forget the set-up stamp"
	@echo "variables: MODES='$(MODES)' (ISA execution modes), ARGS and APPEND (run, run-qemu)"
	@echo "           ROOTFS=1 (run, run-qemu): boot make rootfs's Debian system from build/rootfs/disk.qcow2"

-include $(shell find $(B)/obj $(B)/ubsan/obj $(B)/tsan/obj $(B)/asan/obj $(B)/fuzz/obj -name '*.d' 2>/dev/null)
