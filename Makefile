# One non-recursive Makefile.  Targets:
#   all (default)  tracker/tracker and client/client, optimized
#                  (a top-level ./tracker file cannot sit beside the
#                  tracker/ source directory; run them from their folders,
#                  where tracker_info.txt links to the top-level one)
#   test           deps, sanitized build, unit + fuzz-corpus + integration tests
#   demo           deps, build, scripted scenario on loopback
#   fuzz           libFuzzer harnesses, FUZZ_SECONDS each (default 60)
#   fuzz-seeds     regenerate the hand-made seeds of tests/fuzz/corpus
#   bench          benchmarks that print figures
#   bench-swarm    a swarm in the network lab, ours beside libtorrent and
#                  aria2, plots into docs/swarm (scripts/bench_swarm.sh:
#                  root, namespaces; SWARM_* env)
#   lint           checksrc, cppcheck and clang-tidy; fails on any finding
#   install        the release build (all, made first if out of date: -O2 -g)
#                  as $(PREFIX)/bin/p2ps-tracker and p2ps-client, and their
#                  manual pages in $(PREFIX)/share/man/man1; PREFIX defaults
#                  to /usr/local, DESTDIR is put before every path
#   uninstall      removes exactly what install put there

PKGS		:= sqlite3 libssl libcrypto readline
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS	:= $(shell pkg-config --libs cmocka 2>/dev/null)

CC		?= cc
# The release, written in one place: the file VERSION (--version, man pages).
VERSION		:= $(shell cat VERSION)
WARN		:= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
		   -Wformat=2 -Wwrite-strings -Werror
BASE_CFLAGS	:= -std=c17 -D_GNU_SOURCE -DP2PS_VERSION=$(VERSION) $(WARN) -Icommon \
		   $(PKG_CFLAGS) -MMD -MP
REL_CFLAGS	:= $(BASE_CFLAGS) -O2 -g
SAN		:= -fsanitize=address,undefined -fno-sanitize-recover=all
ASAN_CFLAGS	:= $(BASE_CFLAGS) -O1 -g -fno-omit-frame-pointer $(SAN)
LIBS		:= $(PKG_LIBS) -lpthread

COMMON_SRC	:= $(wildcard common/*.c)
TRACKER_SRC	:= $(wildcard tracker/*.c)
CLIENT_SRC	:= $(wildcard client/*.c)
UNIT_SRC	:= $(wildcard tests/unit/test_*.c)
FUZZ_SRC	:= $(wildcard tests/fuzz/fuzz_*.c)
STORE_SRC	:= $(wildcard tracker/store_*.c) tracker/reqset.c tracker/nameidx.c

obj		= $(patsubst %.c,build/$(1)/%.o,$(2))

.PHONY: all test demo fuzz fuzz-seeds bench bench-swarm nemesis lint deps clean unit-bins asan-bins tload tsearch \
	install uninstall
all: tracker/tracker client/client

tracker/tracker: $(call obj,rel,$(TRACKER_SRC) $(COMMON_SRC))
	$(CC) $(REL_CFLAGS) -o $@ $^ $(LIBS)
client/client: $(call obj,rel,$(CLIENT_SRC) $(COMMON_SRC))
	$(CC) $(REL_CFLAGS) -o $@ $^ $(LIBS)

# The tracker load generator (scripts/bench_tracker.sh), optimized like
# the binaries it measures, on the same common/ objects.
TLOAD		:= build/rel/bin/tload
$(TLOAD): build/rel/tests/bench/tload.o $(call obj,rel,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $^ $(LIBS)
tload: $(TLOAD)

# Search figures in-process (scripts/bench_search.sh): the store's own
# objects, optimized as in the tracker.
TSEARCH		:= build/rel/bin/tsearch
$(TSEARCH): build/rel/tests/bench/tsearch.o $(call obj,rel,$(STORE_SRC) $(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $^ $(LIBS)
tsearch: $(TSEARCH)

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -c $< -o $@
# What prints the version is built again when it changes.
build/rel/tracker/main.o build/rel/client/main.o build/asan/tracker/main.o \
build/asan/client/main.o: VERSION
build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -c $< -o $@

# Sanitized binaries and unit tests, for make test.
ASAN_COMMON	:= $(call obj,asan,$(COMMON_SRC))
ASAN_TRACKER	:= $(call obj,asan,$(filter-out tracker/main.c,$(TRACKER_SRC)))
ASAN_CLIENT	:= $(call obj,asan,$(filter-out client/main.c,$(CLIENT_SRC)))

build/asan/libcommon.a: $(ASAN_COMMON)
	rm -f $@; ar rcs $@ $^
build/asan/libtracker.a: $(ASAN_TRACKER)
	rm -f $@; ar rcs $@ $^
build/asan/libclient.a: $(ASAN_CLIENT)
	rm -f $@; ar rcs $@ $^
ASAN_LIBS	:= build/asan/libtracker.a build/asan/libclient.a build/asan/libcommon.a

build/asan/bin/tracker: build/asan/tracker/main.o $(ASAN_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LIBS)
build/asan/bin/client: build/asan/client/main.o $(ASAN_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LIBS)
build/asan/tests/unit/%: build/asan/tests/unit/%.o $(ASAN_LIBS)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LIBS) $(CMOCKA_LIBS)
# Fuzz harnesses linked with a replay main: make test runs their corpus.
build/asan/tests/fuzz/replay_%: build/asan/tests/fuzz/%.o build/asan/tests/fuzz/replay.o $(ASAN_LIBS)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LIBS)

UNIT_BINS	:= $(patsubst %.c,build/asan/%,$(UNIT_SRC))
REPLAY_BINS	:= $(patsubst tests/fuzz/%.c,build/asan/tests/fuzz/replay_%,$(FUZZ_SRC))
asan-bins: build/asan/bin/tracker build/asan/bin/client $(UNIT_BINS) $(REPLAY_BINS) \
	   build/asan/bin/tracker-mutant

# A tracker with one planted bug (the 3rd group creation it applies from
# another tracker changes nothing), for the nemesis checker to catch:
# tests/netlab/t_lab_nemesis.sh.  Never installed.
build/asan/mutant/store_state.o: tracker/store_state.c
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -DP2PS_MUTANT_DROP_GROUP=3 -c $< -o $@
build/asan/bin/tracker-mutant: build/asan/tracker/main.o build/asan/mutant/store_state.o \
	   $(filter-out build/asan/tracker/store_state.o,$(ASAN_TRACKER)) \
	   build/asan/libclient.a build/asan/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LIBS)

test: deps
	$(MAKE) --no-print-directory asan-bins all
	scripts/checksrc.sh
	scripts/runtests.sh

# make install [PREFIX=/usr/local] [DESTDIR=]: see the top of this file.
PREFIX		?= /usr/local
BINDIR		= $(PREFIX)/bin
MAN1DIR		= $(PREFIX)/share/man/man1
MANPAGES	:= p2ps-tracker.1 p2ps-client.1
INSTALL		?= install
build/man/%.1: man/%.1 VERSION
	@mkdir -p $(dir $@)
	sed 's/@VERSION@/$(VERSION)/g' $< >$@
install: all $(addprefix build/man/,$(MANPAGES))
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MAN1DIR)
	$(INSTALL) -m 755 tracker/tracker $(DESTDIR)$(BINDIR)/p2ps-tracker
	$(INSTALL) -m 755 client/client $(DESTDIR)$(BINDIR)/p2ps-client
	$(INSTALL) -m 644 $(addprefix build/man/,$(MANPAGES)) $(DESTDIR)$(MAN1DIR)
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/p2ps-tracker $(DESTDIR)$(BINDIR)/p2ps-client \
	    $(addprefix $(DESTDIR)$(MAN1DIR)/,$(MANPAGES))

demo: deps
	$(MAKE) --no-print-directory all
	scripts/demo.sh

deps:
	@scripts/deps.sh

# libFuzzer builds need clang.
FUZZ_SECONDS	?= 60
FUZZ_CFLAGS	:= -std=c17 -D_GNU_SOURCE -g -O1 -Icommon $(PKG_CFLAGS) \
		   -fsanitize=fuzzer,address,undefined
FUZZ_BINS	:= $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
build/fuzz/%: tests/fuzz/%.c $(COMMON_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(COMMON_SRC) $(LIBS)
# Ops from other trackers go through the store.
build/fuzz/fuzz_apply: tests/fuzz/fuzz_apply.c $(COMMON_SRC) $(STORE_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(COMMON_SRC) $(STORE_SRC) $(LIBS)
fuzz: deps $(FUZZ_BINS)
	scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)
# After a change to wire.c's message table; fuzzer-found inputs stay.
GEN_SEEDS_SRC	:= tests/fuzz/gen_seeds.c common/wire.c common/rbuf.c \
		   common/parse.c common/log.c common/xalloc.c
fuzz-seeds:
	@mkdir -p build
	$(CC) -std=c17 -D_GNU_SOURCE -Icommon -o build/gen_seeds $(GEN_SEEDS_SRC)
	build/gen_seeds tests/fuzz/corpus
	$(CC) -std=c17 -D_GNU_SOURCE -Icommon $(PKG_CFLAGS) \
	    -o build/gen_apply_seeds tests/fuzz/gen_apply_seeds.c \
	    $(STORE_SRC) $(filter-out common/conn.c common/loop.c \
	    common/worker.c common/net.c,$(COMMON_SRC)) $(LIBS)
	build/gen_apply_seeds tests/fuzz/corpus/apply

bench: deps all $(TLOAD) $(TSEARCH)
	scripts/bench.sh

# Installs python3-libtorrent, aria2, opentracker, mktorrent and gnuplot-nox
# when missing (scripts/deps_bench.sh).  The plots and the samples they are
# drawn from go to SWARM_PLOTS (default docs/swarm; SWARM_PLOTS= for none).
SWARM_PLOTS	?= docs/swarm
bench-swarm: deps all
	SWARM_PLOTS='$(SWARM_PLOTS)' scripts/bench_swarm.sh

# make nemesis [SEED=N] [MINUTES=M]: the cluster under faults for M minutes
# (scripts/nemesis.sh; root, for the network lab).
nemesis: deps
	$(MAKE) --no-print-directory asan-bins
	SEED='$(SEED)' MINUTES='$(MINUTES)' scripts/nemesis.sh

# Static checks, each failing on any finding: scripts/checksrc.sh, cppcheck
# (flags below; false positives in scripts/cppcheck.supp or inline) and
# clang-tidy (checks in .clang-tidy), over the sources and the unit tests
# with the build's own flags.
LINT_SRC	:= $(COMMON_SRC) $(TRACKER_SRC) $(CLIENT_SRC) $(UNIT_SRC)
LINT_CFLAGS	:= -std=c17 -D_GNU_SOURCE -DP2PS_VERSION=$(VERSION) \
		   $(filter-out -Werror,$(WARN)) -Icommon \
		   $(PKG_CFLAGS) $(shell pkg-config --cflags cmocka 2>/dev/null)
LINT_JOBS	?= $(shell nproc 2>/dev/null || echo 2)
CPPCHECK	?= cppcheck
CLANG_TIDY	?= clang-tidy
# variableScope is off: style(9) declares locals at the top of a function.
CPPCHECK_FLAGS	:= --enable=warning,style,performance,portability --std=c11 \
		   --platform=unix64 --library=posix --library=gnu \
		   -DP2PS_VERSION=$(VERSION) \
		   --library=openssl --library=sqlite3 -D_GNU_SOURCE -I common \
		   --inline-suppr --suppressions-list=scripts/cppcheck.supp \
		   --suppress=variableScope --error-exitcode=1 --quiet \
		   -j $(LINT_JOBS)
TIDY_RUNS	:= $(addprefix tidy/,$(LINT_SRC))

lint: deps
	@rc=0; scripts/checksrc.sh || rc=1; \
	echo "cppcheck: $(words $(LINT_SRC)) files"; \
	$(CPPCHECK) $(CPPCHECK_FLAGS) $(LINT_SRC) || rc=1; \
	echo "clang-tidy: $(words $(LINT_SRC)) files, $(LINT_JOBS) at a time"; \
	$(MAKE) --no-print-directory -k -O -j$(LINT_JOBS) tidy || rc=1; \
	if [ $$rc -eq 0 ]; then echo "lint: ok"; else echo "lint: FAILED"; fi; \
	exit $$rc

# One clang-tidy process per file: clang-tidy 14 given several files at
# once reports bogus clang-analyzer-valist.Uninitialized errors.
.PHONY: tidy $(TIDY_RUNS)
tidy: $(TIDY_RUNS)
$(TIDY_RUNS): tidy/%: % build/compile_commands.json
	@out=$$($(CLANG_TIDY) --quiet -p build $< 2>&1); rc=$$?; \
	printf '%s\n' "$$out" | \
	    grep -Ev '^([0-9]+ warnings? (generated|treated as errors)\.)?$$'; \
	exit $$rc

# The compilation database clang-tidy reads (editors can use it too).
build/compile_commands.json: Makefile $(LINT_SRC)
	@mkdir -p $(dir $@)
	@{ echo '['; sep=' '; for f in $(LINT_SRC); do \
	    printf '%s{"directory": "%s", "file": "%s",\n  "command": "cc %s -c %s"}\n' \
	    "$$sep" "$(CURDIR)" "$$f" "$(LINT_CFLAGS)" "$$f"; sep=','; \
	done; echo ']'; } >$@

clean:
	rm -rf build tracker/tracker client/client

.SECONDARY:
-include $(shell find build -name '*.d' 2>/dev/null)
