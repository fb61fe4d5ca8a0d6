# SPDX-License-Identifier: GPL-2.0
# rmap_probe: `make` builds rmap_probe.ko and rmapctl; `make check` runs every test (see README.md).
# Kbuild reads ./Kbuild, not this file, when it builds the module.

VERSION := $(shell sed -n 's/^\#define RMAP_PROBE_VERSION "\(.*\)"/\1/p' module/rmap_probe.h)
BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
USER_CFLAGS := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -DRMAPCTL_VERSION='"$(VERSION)"' -Iuserspace
USER_SRCS := userspace/report.c userspace/json.c
USER_HDRS := $(wildcard userspace/*.h)
RMAPCTL_SRCS := userspace/rmapctl.c userspace/cli.c userspace/session.c userspace/events.c userspace/trace.c \
	userspace/record.c userspace/history.c userspace/ksyms.c \
	userspace/probe.c userspace/range.c userspace/vaddr.c userspace/pid.c userspace/svg.c userspace/explain.c userspace/pinner.c $(USER_SRCS)
RMAPCTL_DEPS := $(RMAPCTL_SRCS) $(USER_HDRS) module/rmap_probe.h bpf/rmap_trace.h $(BUILD)/bpf/rmap_trace.skel.h
RMAPCTL_CFLAGS := $(USER_CFLAGS) -I$(BUILD)/bpf -Ibpf
BPF_LIBS := -lbpf -lelf -lz

# The tracing programs (bpf/): one object per concern, linked into one, and its skeleton for rmapctl.
CLANG ?= clang
BPFTOOL ?= bpftool
BPF_OBJS := $(addprefix $(BUILD)/bpf/,maps.bpf.o migrate.bpf.o unmap.bpf.o pin.bpf.o)

# The kernel to build against: KDIR=, else the running kernel's build tree, else the rig's default line.
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
DEFAULT_LINE ?= 6.1

.PHONY: all module rmapctl guest-progs unit check check-fresh check-debug stress bench demo deps checkpatch clean install deb check-packages

all: module rmapctl

module:
	@kdir="$(KDIR)"; \
	if [ -z "$$kdir" ]; then \
		if [ -d "$(RUNNING_KDIR)" ]; then kdir="$(RUNNING_KDIR)"; \
		else kdir=$$(tests/rig/fetch-kernel.sh $(DEFAULT_LINE))/build || exit 1; fi; \
	fi; \
	echo "module: building against $$kdir"; \
	$(MAKE) -C "$$kdir" M=$(CURDIR) modules

rmapctl: $(BUILD)/rmapctl

$(BUILD)/rmapctl: $(RMAPCTL_DEPS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(RMAPCTL_CFLAGS) -o $@ $(RMAPCTL_SRCS) $(BPF_LIBS)

# Static binaries for the guests' busybox initramfs.
$(BUILD)/guest/rmapctl: $(RMAPCTL_DEPS)
	@mkdir -p $(BUILD)/guest
	$(CC) $(CFLAGS) $(RMAPCTL_CFLAGS) -static -o $@ $(RMAPCTL_SRCS) $(BPF_LIBS)

# VMLINUX_BTF= picks the kernel types (see bpf/gen-vmlinux-h.sh); never committed.
$(BUILD)/bpf/vmlinux.h: bpf/gen-vmlinux-h.sh
	@mkdir -p $(BUILD)/bpf
	bpf/gen-vmlinux-h.sh $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/common.bpf.h bpf/rmap_trace.h $(BUILD)/bpf/vmlinux.h
	$(CLANG) -g -O2 -mcpu=v3 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -I$(BUILD)/bpf -Ibpf -c $< -o $@

$(BUILD)/bpf/rmap_trace.bpf.o: $(BPF_OBJS)
	$(BPFTOOL) gen object $@ $^

$(BUILD)/bpf/rmap_trace.skel.h: $(BUILD)/bpf/rmap_trace.bpf.o
	$(BPFTOOL) gen skeleton $< name rmap_trace > $@.tmp && mv $@.tmp $@

GUEST_CFLAGS := $(CFLAGS) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -static
$(BUILD)/guest/%: tests/guest/%.c
	@mkdir -p $(BUILD)/guest
	$(CC) $(GUEST_CFLAGS) -o $@ $<

# Test programs that compare against the pagemap oracle link it in.
$(BUILD)/guest/rmaptest: tests/guest/rmaptest.c tests/guest/oracle.c tests/guest/oracle.h
	@mkdir -p $(BUILD)/guest
	$(CC) $(GUEST_CFLAGS) -pthread -o $@ tests/guest/rmaptest.c tests/guest/oracle.c $(BPF_LIBS)

$(BUILD)/guest/rmapbench: tests/guest/rmapbench.c tests/guest/oracle.c tests/guest/oracle.h
	@mkdir -p $(BUILD)/guest
	$(CC) $(GUEST_CFLAGS) -o $@ tests/guest/rmapbench.c tests/guest/oracle.c

GUEST_PROGS := $(addprefix $(BUILD)/guest/,guest-exit idle rmaptest rmapbench rmapctl)
guest-progs: $(GUEST_PROGS)

$(BUILD)/unit/test_report: tests/unit/test_report.c $(USER_SRCS) $(USER_HDRS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(USER_CFLAGS) -o $@ tests/unit/test_report.c $(USER_SRCS)

$(BUILD)/unit/test_history: tests/unit/test_history.c userspace/history.c userspace/history.h bpf/rmap_trace.h
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(USER_CFLAGS) -Ibpf -o $@ tests/unit/test_history.c userspace/history.c

RANGE_UNIT_SRCS := userspace/probe.c userspace/cli.c userspace/vaddr.c $(USER_SRCS)
$(BUILD)/unit/test_range: tests/unit/test_range.c $(RANGE_UNIT_SRCS) $(USER_HDRS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(USER_CFLAGS) -o $@ tests/unit/test_range.c $(RANGE_UNIT_SRCS)

$(BUILD)/unit/test_svg: tests/unit/test_svg.c userspace/svg.c userspace/svg.h
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(USER_CFLAGS) -o $@ tests/unit/test_svg.c userspace/svg.c

EXPLAIN_UNIT_SRCS := userspace/explain.c userspace/probe.c userspace/cli.c userspace/vaddr.c $(USER_SRCS)
$(BUILD)/unit/test_explain: tests/unit/test_explain.c $(EXPLAIN_UNIT_SRCS) $(USER_HDRS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(USER_CFLAGS) -o $@ tests/unit/test_explain.c $(EXPLAIN_UNIT_SRCS)

unit: $(BUILD)/unit/test_report $(BUILD)/unit/test_history $(BUILD)/unit/test_range $(BUILD)/unit/test_svg \
		$(BUILD)/unit/test_explain
	$(BUILD)/unit/test_report
	$(BUILD)/unit/test_history
	$(BUILD)/unit/test_range
	$(BUILD)/unit/test_svg $(BUILD)/unit/sample.svg
	@python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' $(BUILD)/unit/sample.svg && \
		echo "PASS: unit the picture parses as XML (python3's ElementTree)"
	$(BUILD)/unit/test_explain $(BUILD)/unit/explain.json
	@python3 -c 'import sys, json; d = json.load(open(sys.argv[1])); \
		assert d["answers"]["migrate"]["reason"] == "dma-pinned" and d["report"]["hold"]["extra"] == 1024 \
		and d["report"]["mappings"][0]["comm"] == "post\"gres\\"' $(BUILD)/unit/explain.json && \
		echo "PASS: unit explain --json parses as JSON (python3's json), quotes and backslashes escaped"
	tests/unit/test-install.sh
	tests/unit/test-bench-report.sh

# rmapctl where a Debian admin looks for it: the program, its manual page and its bash completion.
PREFIX ?= /usr/local
DESTDIR ?=
install: $(BUILD)/rmapctl
	install -D -m 0755 $(BUILD)/rmapctl $(DESTDIR)$(PREFIX)/sbin/rmapctl
	install -D -m 0644 doc/rmapctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/rmapctl.8
	install -D -m 0644 doc/rmapctl.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/rmapctl

# The Debian packages rmap-probe-dkms and rmapctl, in $(BUILD)/deb (packaging/make-debs.sh says what is in each).
deb: $(BUILD)/rmapctl
	@packaging/make-debs.sh $(BUILD)/deb

# The packages installed for real: apt-get into a fresh bookworm root, DKMS builds the module there, and that
# module and that rmapctl answer the query tests in a 6.1 guest (tests/check-packages.sh).
check-packages:
	@tests/check-packages.sh

# Everything: host unit tests, then every kernel line's guest suite. KERNELS= narrows the lines.
check:
	@tests/check.sh

demo:
	@tests/demo.sh

# make deps proven in a minimal debootstrapped bookworm root: the first step of every build, in minutes.
check-fresh:
	@tests/check-fresh.sh

# The guest suite on the debug kernel alone (lockdep, KASAN, DEBUG_VM, kmemleak); make check includes it.
check-debug:
	@KERNELS=debug tests/check.sh

# The benchmark: ratios measured side by side in one guest boot per line, tables against the goals, results.json
# and plots in build/bench/ (tests/bench.sh: KERNELS=, BENCH_SCALE=full|quick, BENCH_SERIES=).
bench:
	@tests/bench.sh

# The stress scenario for STRESS_SECONDS (default 600) on 6.1 and the debug kernel.
stress:
	@tests/stress.sh

deps:
	tests/rig/deps.sh

checkpatch:
	tests/checkpatch.sh

clean:
	rm -rf $(BUILD) *.ko *.mod *.mod.c *.o module/*.o module/.*.cmd .*.cmd Module.symvers modules.order
