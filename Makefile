# vmtune. `make` builds ./vmtune; `make test` builds and runs every test.
#   make DEVELOPER=1                   adds -Werror and stricter warnings
#   make SANITIZE=address,undefined    builds with sanitizers
#   make CFLAGS=...                    adds to the project's flags
PKG_CONFIG ?= pkg-config
PKGS := yaml-0.1 jansson gsl sqlite3 libxml-2.0 libvirt libvirt-qemu hwloc libmnl nettle libarchive

# Messages are cut to ERR_LEN on purpose (err.h): no truncation warnings.
# A call needs its callee's header: the includes show who calls whom (scripts/check-layout.sh).
WARNINGS := -Wall -Wextra -Wformat=2 -Wshadow -Wno-missing-field-initializers \
	-Wno-format-truncation -Werror=implicit-function-declaration
ifeq ($(DEVELOPER),1)
WARNINGS += -Werror -Wstrict-prototypes -Wold-style-definition -Wvla
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
TEST_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

ALL_CFLAGS := -std=gnu11 -O2 -g -D_GNU_SOURCE $(WARNINGS) $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS :=
ifdef SANITIZE
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif
ALL_CFLAGS += $(CFLAGS)
ALL_LDFLAGS += $(LDFLAGS)
LIBS := -pthread $(PKG_LIBS) -lm

B := build
# The rooms, lowest first (DESIGN.md): lib, search and results, tuner/target,
# tuner/engine, tuner/view; tuner/cli is the program itself.
LIB_SRC := lib/strbuf.c lib/netif.c lib/space.c lib/metricline.c lib/knobs.c lib/number.c \
	search/strategy.c search/random.c search/grid.c search/tpe.c search/local.c \
	search/anneal.c search/neighbors.c search/racing.c search/warm.c \
	results/store.c results/faultvfs.c results/floor.c results/stats.c results/importance.c results/score.c \
	results/compare.c results/aggregate.c results/capacity.c results/ablation.c results/reference.c \
	tuner/target/target.c tuner/target/target-exec.c tuner/target/target-libvirt.c \
	tuner/target/domxml.c tuner/target/hostknobs.c tuner/target/netns.c \
	tuner/target/topology.c tuner/target/paths.c tuner/target/knobspace.c \
	tuner/target/jail.c tuner/target/gagent.c tuner/target/workload.c tuner/target/inguest.c \
	tuner/target/image.c tuner/target/wlpack.c tuner/target/hostcost.c tuner/target/instances.c \
	tuner/target/domedit.c \
	tuner/engine/job.c tuner/engine/trial.c tuner/engine/slot.c tuner/engine/schedule.c \
	tuner/engine/resume.c tuner/engine/confirm.c tuner/engine/ablate.c \
	tuner/engine/state.c tuner/engine/loop.c tuner/engine/capacity.c \
	tuner/view/runview.c tuner/view/ablview.c tuner/view/plot.c tuner/view/forest.c tuner/view/report.c
CMD_SRC := $(wildcard tuner/cli/*.c)
GEN_SRC := $(B)/default-job.c
UNIT_SRC := $(wildcard tests/unit/test_*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(B)/%.o) $(B)/default-job.o
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
# The fuzzing harnesses (tests/fuzz), replayed over their corpus with the unit tests.
FUZZ_NAMES := job metricline config db
FUZZ_REPLAY := $(FUZZ_NAMES:%=$(B)/tests/replay_%)

# The guest appliance needs the static agent: sanitized builds leave it out.
all: vmtune vmbench agent $(if $(SANITIZE),,guest)

vmtune: $(LIB_OBJ) $(CMD_OBJ)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Rebuild everything when the flags change (git's GIT-CFLAGS trick).
$(B)/.flags: FORCE
	@mkdir -p $(B)
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@

$(B)/%.o: %.c $(B)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The default job, embedded as a C string.
$(B)/default-job.c: jobs/default.yaml scripts/embed.sh
	@mkdir -p $(B)
	sh scripts/embed.sh default_job_yaml < $< > $@

$(B)/default-job.o: $(B)/default-job.c $(B)/.flags
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/tests/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(LIB_OBJ) $(B)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -DFUZZ_NAME='"$*"' -o $@ tests/fuzz/fuzz_$*.c \
		tests/fuzz/replay.c $(LIB_OBJ) $(LIBS)

# `make fuzz`: each harness under libFuzzer with ASan and UBSan for FUZZ_SECONDS
# (needs clang); what it finds lands in build/fuzz/crash-NAME-*.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FZ := $(B)/fuzz
FUZZ_CFLAGS := -std=gnu11 -O1 -g -D_GNU_SOURCE $(PKG_CFLAGS) -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all
$(FZ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(FZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIB_SRC:%.c=$(FZ)/%.o)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB_SRC:%.c=$(FZ)/%.o) $(LIBS)
fuzz: $(FUZZ_NAMES:%=$(FZ)/fuzz_%)
	bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_NAMES)

$(B)/tests/%: tests/unit/%.c $(LIB_OBJ) tests/unit/unit.h $(B)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB_OBJ) $(TEST_LIBS) $(LIBS)

# In-process strategy evaluation and propose() timing (scripts/bench-propose.sh).
$(B)/search-sim: scripts/search-sim.c scripts/evaltable.c $(LIB_OBJ) $(B)/.flags
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< scripts/evaltable.c $(LIB_OBJ) $(LIBS)

# The workload of scripts/eval-search.sh: a prepared table's nearest row.
$(B)/table-objective: scripts/table-objective.c scripts/evaltable.c $(LIB_OBJ) $(B)/.flags
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< scripts/evaltable.c $(LIB_OBJ) $(LIBS)

# Reference of scripts/bench-overhead.sh.
$(B)/spawn-loop: scripts/spawn-loop.c $(B)/.flags
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

# The microbenchmarks: one static program for the guest's initramfs.
BENCH_SRC := benchmarks/bench.c benchmarks/cpu.c benchmarks/membw.c benchmarks/memlat.c \
	benchmarks/tlb.c benchmarks/io.c benchmarks/pingpong.c benchmarks/net.c
BENCH_OBJ := $(BENCH_SRC:%.c=$(B)/%.o)
URING_LIBS := $(shell $(PKG_CONFIG) --libs --static liburing 2>/dev/null || echo -luring)

# Sanitizers have no static runtime: a sanitized vmbench is linked dynamically.
BENCH_STATIC := $(if $(SANITIZE),,-static)

vmbench: $(BENCH_OBJ)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(BENCH_STATIC) -pthread -o $@ $^ $(URING_LIBS) -lm

# The guest's /init: static, like vmbench.
agent: $(B)/tuner/guest/agent.o $(B)/lib/knobs.o $(B)/lib/number.o $(B)/lib/netif.o $(B)/lib/strbuf.o
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(BENCH_STATIC) -o $@ $^

# The guest appliance: Debian's cloud kernel and an initramfs of agent,
# vmbench, busybox and mkfs (scripts/build-guest.sh; rebuilt when an input changes).
guest: agent vmbench
	sh scripts/build-guest.sh

# The reference guest image for workload jobs (jobs/redis.yaml, ...): not part of plain make.
image:
	sh scripts/build-image.sh

unit: $(UNIT_BIN)

# Test tiers: unit tests (seconds); end-to-end tests of the exec target and
# the commands, no VM (a few minutes); those that boot VMs through libvirt or
# QEMU (setup-host.sh first). `make test` runs all three.
E2E_EXEC := t01 t02 t03 t04 t06 t08 t12 t13 t14 t17 t18 t20 t21 t22 t23 t24 t25 t27 t30 t32 t33
E2E_VM := t05 t07 t09 t10 t11 t15 t16 t19 t26 t28 t29 t31

test: all $(UNIT_BIN) $(FUZZ_REPLAY)
	bash tests/run.sh $(UNIT_BIN) $(FUZZ_REPLAY)

test-unit: $(UNIT_BIN) $(FUZZ_REPLAY)
	E2E=t24 bash tests/run.sh $(UNIT_BIN) $(FUZZ_REPLAY)

test-exec: vmtune vmbench
	E2E="$(E2E_EXEC)" bash tests/run.sh

test-vm: all
	E2E="$(E2E_VM)" bash tests/run.sh

clean:
	rm -rf $(B) vmtune vmbench agent

.PHONY: all test test-unit test-exec test-vm unit clean guest fuzz image FORCE
-include $(shell find $(B) -name '*.d' 2>/dev/null)
