# anybpf - GNU make build.  `make` builds build/libanybpf.{a,so} and build/anybpf.
# make test | bench | demo | fuzz | install PREFIX=... | deps | clean
# SANITIZE=1 builds everything with ASan+UBSan into build-san/.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
CC        ?= cc
CLANG     ?= clang

ifeq ($(SANITIZE),1)
BUILD     ?= build-san
OPT       ?= -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDSAN     := -fsanitize=address,undefined
else
BUILD     ?= build
OPT       ?= -O2
LDSAN     :=
endif

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS    ?= -g
ALL_CFLAGS = -std=gnu11 $(OPT) $(WARN) $(CFLAGS) -fPIC -Iinclude -Isrc -Isrc/isa -MMD -MP
LDLIBS    := -lelf -lpthread -lm
CLI_LIBS  := -lpcap   # the CLI's pcap replay (`run ... pcap=`)
CLI_LIBS  += $(shell pkg-config --libs capstone 2>/dev/null || echo -lcapstone)   # `show jited`

LIB_SRC   := $(sort $(wildcard src/*/*.c))
LIB_SRC   := $(filter-out src/cli/%,$(LIB_SRC))
CLI_SRC   := $(sort $(wildcard src/cli/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC  := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJ  := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_SRC := bench/bench.c bench/bench_progs.c bench/bench_kernel.c
# bench/progs/NAME.c: an XDP program (clang -target bpf) and its native twin
# (clang -O2); the kernel column needs libbpf, else it reads "-"
BENCH_BPF := $(patsubst bench/progs/%.c,$(BUILD)/bench-progs/%.o,$(filter-out %_native.c,$(wildcard bench/progs/*.c)))
BENCH_NAT := $(patsubst bench/progs/%.c,$(BUILD)/bench-progs/native/%.o,$(wildcard bench/progs/*.c))
BENCH_BPFLIB := $(if $(wildcard /usr/include/bpf/libbpf.h),$(or $(shell pkg-config --libs libbpf 2>/dev/null),-lbpf))

EXAMPLES  := $(patsubst examples/%.c,$(BUILD)/examples/%.o,$(wildcard examples/*.c))

.PHONY: all test bench demo fuzz install deps clean examples
all: $(BUILD)/libanybpf.a $(BUILD)/libanybpf.so $(BUILD)/anybpf

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libanybpf.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libanybpf.so: $(LIB_OBJ)
	$(CC) -shared $(LDSAN) -Wl,-soname,libanybpf.so.0 -o $@ $^ $(LDLIBS)

$(BUILD)/anybpf: $(CLI_OBJ) $(BUILD)/libanybpf.a
	$(CC) $(LDSAN) -o $@ $(CLI_OBJ) $(BUILD)/libanybpf.a $(LDLIBS) $(CLI_LIBS)

$(BUILD)/unit_tests: $(UNIT_OBJ) $(BUILD)/libanybpf.a
	$(CC) $(LDSAN) -o $@ $(UNIT_OBJ) $(BUILD)/libanybpf.a $(LDLIBS)

$(BUILD)/bench: $(BENCH_SRC) $(wildcard bench/*.h) $(BENCH_NAT) $(BUILD)/libanybpf.a
	$(CC) $(ALL_CFLAGS) $(if $(BENCH_BPFLIB),-DBENCH_LIBBPF) $(LDSAN) -o $@ $(BENCH_SRC) \
		$(BENCH_NAT) $(BUILD)/libanybpf.a $(LDLIBS) $(BENCH_BPFLIB)

$(BUILD)/bench-progs/%.o: bench/progs/%.c bench/progs/bench_prog.h
	@mkdir -p $(dir $@)
	$(CLANG) -O2 -g -target bpf -I/usr/include/$(shell uname -m)-linux-gnu -c $< -o $@

$(BUILD)/bench-progs/native/%.o: bench/progs/%.c bench/progs/bench_prog.h
	@mkdir -p $(dir $@)
	$(CLANG) -O2 -fPIE -c $< -o $@

# Every suite prints its own "N passed, N failed" line; run.sh adds them up.
test: all $(BUILD)/unit_tests
	@BUILD=$(BUILD) CLANG=$(CLANG) SANITIZE=$(SANITIZE) sh tests/run.sh

$(BUILD)/bench_verify: bench/bench_verify.c $(BUILD)/libanybpf.a
	$(CC) $(ALL_CFLAGS) $(LDSAN) -o $@ bench/bench_verify.c $(BUILD)/libanybpf.a $(LDLIBS)

bench: $(BUILD)/bench $(BENCH_BPF) $(BUILD)/examples/xdp_counter.o \
       $(if $(wildcard bench/bench_verify.c),$(BUILD)/bench_verify)
	@$(BUILD)/bench -d $(BUILD)
	@if [ -x $(BUILD)/bench_verify ]; then echo; $(BUILD)/bench_verify; fi

# eBPF examples, compiled as users compile theirs
$(BUILD)/examples/%.o: examples/%.c
	@mkdir -p $(dir $@)
	$(CLANG) -O2 -g -target bpf -I/usr/include/$(shell uname -m)-linux-gnu -c $< -o $@

examples: $(EXAMPLES)

demo:
	@sh scripts/deps.sh
	@$(MAKE) --no-print-directory -s all examples
	@sh scripts/demo.sh $(BUILD)

FUZZ_TARGETS ?= $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_TIME    ?= 30
fuzz:
	@mkdir -p build-fuzz
	@for t in $(FUZZ_TARGETS); do \
	  $(CLANG) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc -Isrc/isa \
	    tests/fuzz/$$t.c $(LIB_SRC) -o build-fuzz/$$t $(LDLIBS) || exit 1; \
	  mkdir -p build-fuzz/corpus-$$t; \
	  echo "fuzz: $$t for $(FUZZ_TIME)s"; \
	  build-fuzz/$$t -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -artifact_prefix=build-fuzz/$$t- \
	    build-fuzz/corpus-$$t $$(ls -d tests/fuzz/seeds/$$t 2>/dev/null) 2>build-fuzz/$$t.log || \
	    { tail -40 build-fuzz/$$t.log; exit 1; }; \
	  tail -1 build-fuzz/$$t.log; \
	done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(BUILD)/anybpf $(DESTDIR)$(PREFIX)/bin/anybpf
	install -m 644 $(BUILD)/libanybpf.a $(DESTDIR)$(PREFIX)/lib/libanybpf.a
	install -m 755 $(BUILD)/libanybpf.so $(DESTDIR)$(PREFIX)/lib/libanybpf.so.$(VERSION)
	ln -sf libanybpf.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libanybpf.so.0
	ln -sf libanybpf.so.0 $(DESTDIR)$(PREFIX)/lib/libanybpf.so
	install -m 644 include/anybpf.h $(DESTDIR)$(PREFIX)/include/anybpf.h
	install -m 644 docs/anybpf.1 $(DESTDIR)$(PREFIX)/share/man/man1/anybpf.1
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' -e 's|@LIBS@|$(LDLIBS)|g' \
	  anybpf.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/anybpf.pc

deps:
	@sh scripts/deps.sh

clean:
	rm -rf build build-san build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
