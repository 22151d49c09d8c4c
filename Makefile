# warroom — build, test, demo, install.
# Every library comes through pkg-config; `make deps` installs what is missing.

PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(PREFIX)/bin
MANDIR    = $(PREFIX)/share/man/man1
DATADIR   = $(PREFIX)/share/warroom

CC       ?= cc
PKGS      = ncursesw libcurl libcjson sqlite3 libssh2 yaml-0.1 libcmark-gfm
TEST_PKGS = cmocka
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# pkg-config answers nothing when one package is missing: then the first
# compile waits on check-deps, which names the missing packages and stops.
PKG_OK     := $(shell pkg-config --exists $(PKGS) 2>/dev/null && echo yes)
DEPS_CHECK := $(if $(PKG_OK),,check-deps)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CORE_PKG_LIBS := $(shell pkg-config --libs libcurl libcjson sqlite3 libssh2 yaml-0.1 libcmark-gfm 2>/dev/null)
TEST_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter -Wno-format-truncation
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -Iinclude \
             -DWARROOM_VERSION='"$(VERSION)"' -DWARROOM_DATADIR='"$(DATADIR)"' $(PKG_CFLAGS) $(CFLAGS)
LDLIBS   = $(PKG_LIBS) -lm

BUILD   ?= build
# Quiet by default; `make V=1` shows every command.
ifeq ($(V),1)
Q =
echo_cmd = @true
else
Q = @
echo_cmd = @printf '  %-5s %s\n'
endif
# Sources are found by folder: core/ and each subsystem folder under it.
CORE_SRC = $(wildcard core/*.c core/*/*.c)
TUI_SRC  = $(wildcard tui/*.c)
VIEW_SRC = $(wildcard views/*.c)
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o)
UI_OBJ   = $(TUI_SRC:%.c=$(BUILD)/%.o) $(VIEW_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Widget tests draw on an in-memory screen: they link tui/ (not main) too.
TUI_TEST_SRC = $(wildcard tests/unit/tui_test_*.c)
TUI_TEST_BIN = $(TUI_TEST_SRC:tests/unit/tui_%.c=$(BUILD)/tests/%)
TUI_LIB_OBJ  = $(filter-out $(BUILD)/tui/main.o,$(UI_OBJ))

.PHONY: all check-deps deps test unit-bins test-unit test-asan test-screen test-integration demo install uninstall clean \
	docs

all: warroom

deps:
	@sh scripts/deps.sh build

# Without a library's pkg-config file every flag is missing and the first
# compile fails far from the cause: say which packages are missing instead.
check-deps:
	@sh scripts/deps.sh check

$(BUILD)/%.o: %.c | $(DEPS_CHECK)
	@mkdir -p $(dir $@)
	$(echo_cmd) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libwarroom-core.a: $(CORE_OBJ)
	@rm -f $@
	$(echo_cmd) AR $@
	$(Q)ar rcs $@ $^

warroom: $(UI_OBJ) $(BUILD)/libwarroom-core.a
	$(echo_cmd) LD $@
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(UI_OBJ) $(BUILD)/libwarroom-core.a $(LDLIBS)

# -Icore: a test or a fuzzer may read a subsystem's private header as
# "config/config_fields.h"; the public API stays include/warroom/.
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libwarroom-core.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(echo_cmd) LD $@
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(TEST_CFLAGS) -Itests/unit -Icore -o $@ $< $(BUILD)/libwarroom-core.a $(CORE_PKG_LIBS) $(TEST_LIBS) -lm

# The whole suite: the cycle and layer checks, unit tests, the same under ASan+UBSan,
# screen tests on the real binary, integration tests against the lab, the fuzz
# replay. One summary line at the end; tests/README.md has each stage alone.
# Builds use JOBS cores unless make was given -j already.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test:
	@sh scripts/deps.sh test
	@$(MAKE) --no-print-directory $(if $(findstring -j,$(MAKEFLAGS)),,-j$(JOBS)) all unit-bins
	@JOBS=$(JOBS) sh tests/run-all.sh

$(BUILD)/tests/test_%: tests/unit/tui_test_%.c $(TUI_LIB_OBJ) $(BUILD)/libwarroom-core.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(echo_cmd) LD $@
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(TEST_CFLAGS) -Itests/unit -o $@ $< $(TUI_LIB_OBJ) $(BUILD)/libwarroom-core.a $(LDLIBS) $(TEST_LIBS)

unit-bins: $(UNIT_BIN) $(TUI_TEST_BIN)

# UNIT=test_timeline runs only that binary (a glob; several with spaces);
# UNIT_FILTER='*redact*' only the test cases so named (tests/README.md).
UNIT ?=
test-unit: unit-bins
	@sh tests/run-unit.sh $(BUILD)/tests $(UNIT)

ASAN_ARGS = --no-print-directory BUILD=build-asan CC=gcc CFLAGS="$(ASAN_CFLAGS)" \
	  LDFLAGS="-fsanitize=address,undefined"

test-asan:
	@$(MAKE) $(ASAN_ARGS) unit-bins
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  sh tests/run-unit.sh build-asan/tests $(UNIT)

test-screen: all
	@python3 tests/screen/run.py

# Source files that need each other in a circle, from the objects' symbols;
# the first stage of `make test`.
.PHONY: cycles
cycles: all
	@python3 scripts/cycles.py $(BUILD)

# The tree's rules the compiler does not check: what each layer includes, no
# abort() in core/, every name docs/architecture.md cites; beside the cycles.
.PHONY: layers
layers:
	@python3 scripts/layers.py

test-integration: all
	@python3 tests/integration/run.py

# Figures against the tools operators use today, on the lab (docs/performance.md).
# Not part of `make test`: about 6 minutes on 2 cores; BENCH_LONG=1 for the 5-minute window.
# A reference that cannot be installed is reported as such in the table.
.PHONY: bench
bench: all
	@sh scripts/deps.sh bench || echo "bench: going on; missing references are said in the table" >&2
	@python3 tests/bench/bench.py

# The README's and the man page's key tables, from the action table through
# the binary's own `warroom keys`; the screen tests fail when they differ.
docs: all
	@sh scripts/docs.sh

demo:
	@sh scripts/deps.sh demo
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(DATADIR)/runbooks $(DESTDIR)$(DATADIR)/assets
	install -m 0755 warroom $(DESTDIR)$(BINDIR)/warroom
	install -m 0644 assets/warroom.1 $(DESTDIR)$(MANDIR)/warroom.1
	cp -R runbooks/. $(DESTDIR)$(DATADIR)/runbooks/
	cp -R assets/. $(DESTDIR)$(DATADIR)/assets/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/warroom $(DESTDIR)$(MANDIR)/warroom.1
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-asan build-fuzz warroom

-include $(CORE_OBJ:.o=.d) $(UI_OBJ:.o=.d)

# Fuzzing: one libFuzzer harness per parser (tests/fuzz/fuzz_*.c). `make fuzz`
# builds them with clang and runs each FUZZ_SECONDS; `make fuzz-replay` runs
# the seed corpus and every saved crash through them under gcc's ASan+UBSan.
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_DRIVER ?= tests/fuzz/replay.c
ASAN_CFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_DRIVER) $(BUILD)/libwarroom-core.a
	@mkdir -p $(dir $@)
	$(echo_cmd) LD $@
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Itests/fuzz -Icore -o $@ $< $(FUZZ_DRIVER) $(BUILD)/libwarroom-core.a $(CORE_PKG_LIBS) -lm

fuzz-bins: $(FUZZ_BIN)

FUZZ_ARGS = --no-print-directory BUILD=build-fuzz CC=clang WARN="-Wall -Wextra -Wno-unused-parameter" \
	  CFLAGS="$(FUZZ_CFLAGS)" LDFLAGS="-fsanitize=fuzzer,address,undefined" FUZZ_DRIVER=

fuzz:
	@$(MAKE) $(FUZZ_ARGS) fuzz-bins
	@sh tests/fuzz/run.sh build-fuzz/fuzz $(FUZZ_SECONDS) $(FUZZ_JOBS)

fuzz-replay:
	@$(MAKE) $(ASAN_ARGS) fuzz-bins
	@sh tests/fuzz/replay.sh build-asan/fuzz

# Built, not run: make test compiles these while the integration tests wait
# on their servers. fuzz-build needs clang.
asan-bins:
	@$(MAKE) $(ASAN_ARGS) unit-bins fuzz-bins

fuzz-build:
	@$(MAKE) $(FUZZ_ARGS) fuzz-bins

.PHONY: fuzz fuzz-bins fuzz-replay asan-bins fuzz-build

# A long console session under valgrind on the lab (SOAK_SECONDS, default 600).
SOAK_SECONDS ?= 600
soak: all
	@SOAK_SECONDS=$(SOAK_SECONDS) INTEGRATION_TESTS=test_soak.py python3 tests/integration/run.py

.PHONY: soak
