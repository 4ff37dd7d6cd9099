# trawl - one non-recursive Makefile.  `make help` lists the targets.
#
# Flavors build in their own directories: build/release (make, make check)
# and build/asan (make asan).  ./trawl is the release binary.

VERSION   := 0.1.0
FLAVOR    ?= release
B         := build/$(FLAVOR)
PKGS      := libcurl libxml-2.0 sqlite3 jansson zlib libidn2
TESTPKGS  := criterion libmicrohttpd

CC        ?= cc
WARN      := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
             -Wshadow -Wpointer-arith -Wwrite-strings -Wvla -fno-common
STD       := -std=c11 -D_GNU_SOURCE -DTRAWL_VERSION='"$(VERSION)"'
OPT_release := -O2 -g
OPT_asan    := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=undefined
OPT       := $(OPT_$(FLAVOR))
PKGCFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKGLIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TESTCFLAGS = $(shell pkg-config --cflags $(TESTPKGS) 2>/dev/null)
TESTLIBS   = $(shell pkg-config --libs $(TESTPKGS) 2>/dev/null)
CPPFLAGS  += -Icrawler -Istorage -Iconfig -Itests/support
ALLCFLAGS  = $(STD) $(WARN) $(OPT) $(PKGCFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP
LDLIBS_ALL = $(PKGLIBS) $(LDLIBS) -lpthread

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRC   := $(filter-out crawler/main.c,$(wildcard crawler/*.c storage/*.c config/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(B)/%.o)
SUP_SRC   := $(filter-out tests/support/testsrv_main.c,$(wildcard tests/support/*.c))
SUP_OBJ   := $(SUP_SRC:%.c=$(B)/%.o)
UNIT_SRC  := $(wildcard tests/unit/*.c)
UNIT_OBJ  := $(UNIT_SRC:%.c=$(B)/%.o)
INTEG_SRC := $(wildcard tests/integ/*.c)
INTEG_OBJ := $(INTEG_SRC:%.c=$(B)/%.o)

TRAWL     := $(B)/trawl
TESTSRV   := $(B)/trawl-testsrv
UNIT      := $(B)/test-unit
INTEG     := $(B)/test-integ
GENSITE   := $(B)/gensite
GENITEMS  := $(B)/genitems

.PHONY: all check unit integ asan valgrind fuzz bench bench-frontier demo deps deps-bench deps-fuzz clean help format
.DEFAULT_GOAL := all

all: trawl

trawl: $(TRAWL)
	$(Q)ln -sf $(TRAWL) trawl

$(TRAWL): $(B)/crawler/main.o $(LIB_OBJ)
	@echo "  LD    $@"
	$(Q)$(CC) $(OPT) -o $@ $^ $(LDLIBS_ALL)

$(TESTSRV): $(B)/tests/support/testsrv_main.o $(SUP_OBJ) $(LIB_OBJ)
	@echo "  LD    $@"
	$(Q)$(CC) $(OPT) -o $@ $^ $(TESTLIBS) $(LDLIBS_ALL) -lpthread

$(UNIT): $(UNIT_OBJ) $(SUP_OBJ) $(LIB_OBJ)
	@echo "  LD    $@"
	$(Q)$(CC) $(OPT) -o $@ $^ $(TESTLIBS) $(LDLIBS_ALL) -lpthread

$(INTEG): $(INTEG_OBJ) $(SUP_OBJ) $(LIB_OBJ)
	@echo "  LD    $@"
	$(Q)$(CC) $(OPT) -o $@ $^ $(TESTLIBS) $(LDLIBS_ALL) -lpthread

$(GENSITE): bench/gensite.c
	@mkdir -p $(@D)
	@echo "  CC    $@"
	$(Q)$(CC) $(STD) $(WARN) -O2 -o $@ $<

$(GENITEMS): $(B)/bench/genitems.o $(LIB_OBJ)
	@echo "  LD    $@"
	$(Q)$(CC) $(OPT) -o $@ $^ $(LDLIBS_ALL)

$(B)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@echo "  CC    $<"
	$(Q)$(CC) $(ALLCFLAGS) $(TESTCFLAGS) -c -o $@ $<

$(B)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC    $<"
	$(Q)$(CC) $(ALLCFLAGS) -c -o $@ $<

-include $(shell find build -name '*.d' 2>/dev/null)

# Tests: unit tests first (fast), then the integration tests, which run the
# real trawl binary against a libmicrohttpd server on 127.0.0.1.
CRITERION_FLAGS ?=
check: deps
	$(Q)$(MAKE) --no-print-directory unit integ

unit: $(UNIT) $(TRAWL)
	$(UNIT) $(CRITERION_FLAGS)

integ: $(INTEG) $(TRAWL) $(TESTSRV)
	TRAWL_BIN=$(abspath $(TRAWL)) TRAWL_TESTSRV=$(abspath $(TESTSRV)) $(INTEG) $(CRITERION_FLAGS)

# AddressSanitizer + UndefinedBehaviorSanitizer over every test.  Every
# process (test runners, trawl, its workers) writes its sanitizer reports to
# build/asan/reports/; any error there fails the run, even one in a worker
# whose exit the tests cannot see.  One test at a time: Criterion 2.4.1
# itself leaks a few bytes when it runs tests in parallel.
ASAN_REPORTS = $(abspath build/asan/reports)
asan: deps
	$(Q)rm -rf $(ASAN_REPORTS) && mkdir -p $(ASAN_REPORTS)
	$(Q)ASAN_OPTIONS=detect_leaks=1:log_path=$(ASAN_REPORTS)/asan \
	  UBSAN_OPTIONS=print_stacktrace=1:log_path=$(ASAN_REPORTS)/ubsan \
	  TRAWL_SLOW=4 $(MAKE) --no-print-directory FLAVOR=asan CRITERION_FLAGS=-j1 unit integ
	$(Q)if grep -lE "ERROR: |runtime error" $(ASAN_REPORTS)/* 2>/dev/null; then \
	  grep -hE -A12 "ERROR: |runtime error" $(ASAN_REPORTS)/* | head -80; \
	  echo "asan: sanitizer errors reported (files above)"; exit 1; \
	else echo "asan: no sanitizer errors"; fi

# The integration suite with every trawl process (coordinator and forked
# workers) under Valgrind memcheck; any error or definite leak in any of
# them fails the run.  Slow: time limits are scaled by TRAWL_SLOW.
VG_REPORTS = $(abspath build/valgrind)
valgrind: deps
	$(Q)$(MAKE) --no-print-directory trawl $(INTEG) $(TESTSRV)
	$(Q)command -v valgrind >/dev/null || { echo "valgrind: install it (apt-get install valgrind)"; exit 1; }
	$(Q)rm -rf $(VG_REPORTS) && mkdir -p $(VG_REPORTS) && chmod 1777 $(VG_REPORTS)
	$(Q)printf '#!/bin/sh\nexec valgrind -q --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --log-file=$(VG_REPORTS)/vg.%%p $(abspath $(TRAWL)) "$$@"\n' > $(VG_REPORTS)/trawl && chmod +x $(VG_REPORTS)/trawl
	$(Q)TRAWL_SLOW=30 TRAWL_BIN=$(VG_REPORTS)/trawl $(INTEG) -j1 $(CRITERION_FLAGS)
	$(Q)if grep -lE "ERROR SUMMARY: [1-9]|definitely lost: [1-9]|Invalid (read|write)|uninitialised" $(VG_REPORTS)/vg.* 2>/dev/null; then \
	  cat $$(grep -lE "ERROR SUMMARY: [1-9]|definitely lost: [1-9]|Invalid|uninitialised" $(VG_REPORTS)/vg.*) | head -100; \
	  echo "valgrind: errors reported (files above)"; exit 1; \
	else echo "valgrind: no errors, no definite leaks ($$(ls $(VG_REPORTS)/vg.* | wc -l) processes)"; fi

demo: deps
	$(Q)$(MAKE) --no-print-directory trawl $(TESTSRV)
	$(Q)sh demo/run.sh ./trawl $(TESTSRV)

# Item extraction: crawl the bundled shop (demo/shop/) with the extractors
# of demo/shop.json, export the items as JSON Lines and CSV into demo-out/.
.PHONY: demo-shop
demo-shop: deps
	$(Q)$(MAKE) --no-print-directory trawl $(TESTSRV)
	$(Q)sh demo/shop.sh ./trawl $(TESTSRV)

bench: deps deps-bench
	$(Q)$(MAKE) --no-print-directory trawl $(GENSITE)
	$(Q)sh bench/run.sh ./trawl $(GENSITE)

# Peak memory of the coordinator and workers with a 1,000,000-URL frontier.
bench-frontier: deps deps-bench
	$(Q)$(MAKE) --no-print-directory trawl
	$(Q)sh bench/frontier.sh ./trawl

# Export speed and peak memory: 100,000 and 1,000,000 items, and pages.
.PHONY: bench-export
bench-export: deps
	$(Q)$(MAKE) --no-print-directory trawl $(GENITEMS)
	$(Q)sh bench/export.sh ./trawl $(GENITEMS)

# Installs the missing Debian packages listed in packages.txt (as root, or
# through sudo).  Does nothing when everything is there.
deps:
	$(Q)sh .ci/deps.sh packages.txt build test

deps-bench:
	$(Q)sh .ci/deps.sh packages.txt bench

deps-fuzz:
	$(Q)sh .ci/deps.sh packages.txt fuzz

# libFuzzer targets (tests/fuzz/): robots.txt parser, URL normalizer, HTML
# link extractor, config loader, IPC frame decoder; each replays its
# regressions, then fuzzes for FUZZ_SECONDS, or with FUZZ_RUNS=N for
# exactly N inputs from a fixed seed (reproducible; what CI runs).
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
fuzz: deps deps-fuzz
	$(Q)FUZZ_RUNS=$(FUZZ_RUNS) sh .ci/fuzz.sh $(FUZZ_SECONDS)

format:
	clang-format -i crawler/*.[ch] storage/*.[ch] config/*.[ch] tests/*/*.[ch]

clean:
	rm -rf build trawl

help:
	@echo "make            build ./trawl (build/release)"
	@echo "make check      install missing packages, build, run all tests"
	@echo "make asan       the tests under AddressSanitizer + UBSan (build/asan)"
	@echo "make valgrind   the integration tests with every trawl process under memcheck"
	@echo "make fuzz       each libFuzzer target for FUZZ_SECONDS (60), or FUZZ_RUNS inputs"
	@echo "make demo       serve the bundled demo site on 127.0.0.1, crawl it, export JSON Lines"
	@echo "make demo-shop  crawl the bundled example shop with extraction rules, export its items"
	@echo "make bench      20,000-page benchmark against nginx, with wget2 as the peer"
	@echo "make bench-frontier  peak memory with a 1,000,000-URL frontier"
	@echo "make bench-export    export speed and peak memory, 100,000 and 1,000,000 items"
	@echo "make deps       install missing Debian packages (packages.txt)"
	@echo "make clean      remove build/ and ./trawl"
	@echo "V=1             show full compiler commands"
