# flamegate - a deploy gate for performance.  Plain GNU make.
#
#   make            build ./flamegate (and build/libflamegate.a)
#   make deps       install the Debian/Ubuntu build packages (apt-get; sudo
#                   when not root), or print the exact list when it cannot
#   make test-deps  the same for what the tests use (Chromium, cmark-gfm,
#                   python3-yaml, a JDK, Node.js, perf, ...); 'make check'
#                   runs it first
#   make demo       deps + build + compare the bundled example profiles
#   make check      unit and end-to-end tests (Check)
#   make asan       the suite under AddressSanitizer + UBSan
#   make valgrind   the suite under valgrind memcheck
#   make fuzz       libFuzzer harnesses, FUZZ_SECONDS each (clang)
#   make bench      benchmark harness (bench/README.md)
#   make calibrate  statistical calibration on synthetic profiles
#   make calibrate-real  the same on real recordings (tests/realcal)
#   make install    PREFIX=/usr/local DESTDIR=
#
# CFLAGS/CPPFLAGS/LDFLAGS/LDLIBS belong to the user; project flags live in
# ALL_*.  WERROR=1 turns warnings into errors (CI does this).
#
# Sources are found by folder: src/<layer>/*.c form the library (layers in
# src/README.md), src/cli/*.c the program; tests/<layer>/check_*.c are the
# Check suites, tests/lib/ their shared helpers, tests/tools/*.c helper
# programs.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
PKG_CONFIG ?= pkg-config
PROTOC_C   ?= protoc-c
CFLAGS     ?= -O2 -g
CORPUS     ?= ../shared/corpus
# B is the build directory; helpers and sanitizer runs may use their own.
B          ?= build
FG_BIN     := $(if $(filter build,$(B)),flamegate,$(B)/flamegate)

DEPS        := libprotobuf-c zlib libdeflate libcurl gsl jansson
DEB_PKGS    := build-essential pkg-config libprotobuf-c-dev protobuf-c-compiler \
               zlib1g-dev libdeflate-dev libcurl4-openssl-dev libgsl-dev libjansson-dev check
# What the tests use beyond the build (each test names its package when it
# has to skip; tests/deps.sh maps them to commands): HTML report in a real
# browser, GitHub's markdown renderer, YAML and JSON-schema checks of the
# examples, and recordings made by the real producers: JFR (java, javac,
# jfr), node --cpu-prof and the HTML report's script (node), perf record.
TEST_DEB_PKGS := chromium cmark-gfm python3 python3-yaml python3-jsonschema \
                 openjdk-17-jdk-headless nodejs linux-perf

# The library flags are resolved when a recipe first needs them, not when
# this file is parsed: "make deps demo" (and "make demo" on a brand-new
# machine) installs the packages first, and the flags must be read after.
lazy = $(eval $(1) := $$(shell $(2)))$($(1))
DEP_CFLAGS   = $(call lazy,DEP_CFLAGS,$(PKG_CONFIG) --cflags $(DEPS) 2>/dev/null)
DEP_LIBS     = $(call lazy,DEP_LIBS,$(PKG_CONFIG) --libs $(DEPS) 2>/dev/null) -lm -lpthread
CHECK_CFLAGS = $(call lazy,CHECK_CFLAGS,$(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   = $(call lazy,CHECK_LIBS,$(PKG_CONFIG) --libs check 2>/dev/null)

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wwrite-strings -Wpointer-arith -Wformat=2 \
        -Wundef -Wvla -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN += -Werror
endif

ALL_CPPFLAGS = -Iinclude -Isrc -I$(B)/gen -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE -MMD -MP $(CPPFLAGS)
ALL_CFLAGS   = -std=c11 $(WARN) $(DEP_CFLAGS) $(SAN) $(CFLAGS)
ALL_LDFLAGS  = $(SAN) $(LDFLAGS)

# Library layers, lowest first (src/README.md); tests/layers.sh checks that
# each uses only the layers before it.
LAYERS    := core model input analysis report net config
PROTOS    := $(wildcard src/proto/*.proto)
GEN_C     := $(patsubst src/proto/%.proto,$(B)/gen/%.pb-c.c,$(PROTOS))
GEN_H     := $(GEN_C:.c=.h)
LIB_SRC   := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
LIB_OBJ   := $(patsubst %.c,$(B)/%.o,$(LIB_SRC)) $(GEN_C:.c=.o)
CLI_OBJ   := $(patsubst %.c,$(B)/%.o,$(wildcard src/cli/*.c))
TLIB_OBJ  := $(patsubst %.c,$(B)/%.o,$(filter-out tests/lib/check_%.c,$(wildcard tests/lib/*.c)))
TEST_SRC  := $(sort $(wildcard tests/*/check_*.c))
TEST_OBJ  := $(patsubst %.c,$(B)/%.o,$(TEST_SRC) tests/check_main.c)
TOOLS     := $(patsubst tests/tools/%.c,$(B)/%,$(wildcard tests/tools/*.c))

all: $(FG_BIN) $(TOOLS)

# "make deps X": X is built after the packages are installed.
ifneq ($(filter deps,$(MAKECMDGOALS)),)
NEED_DEPS_PREREQ := deps
endif

# Fails with the package list when the build dependencies are missing.
need-deps: $(NEED_DEPS_PREREQ)
	@if ! $(PKG_CONFIG) --exists $(DEPS) check 2>/dev/null || \
	    ! command -v $(PROTOC_C) >/dev/null 2>&1; then \
	  echo "flamegate: missing build dependencies: run 'make deps' (Debian/Ubuntu packages: $(DEB_PKGS))" >&2; \
	  exit 1; fi

$(B)/gen/%.pb-c.c $(B)/gen/%.pb-c.h: src/proto/%.proto | need-deps
	@mkdir -p $(B)/gen
	$(PROTOC_C) --c_out=$(B)/gen -Isrc/proto $<

# Generated code is compiled with relaxed warnings, never -Werror.
$(B)/gen/%.o: $(B)/gen/%.c
	$(CC) $(ALL_CPPFLAGS) -std=c11 -w $(DEP_CFLAGS) $(SAN) $(CFLAGS) -c -o $@ $<

$(B)/%.o: %.c $(GEN_H) | need-deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# Test code may include test helpers; suites are found by name
# (suites.inc), not declared in a header.
$(TEST_OBJ) $(TLIB_OBJ): ALL_CPPFLAGS += -Itests/lib -Itests
$(TEST_OBJ) $(TLIB_OBJ): ALL_CFLAGS += $(CHECK_CFLAGS) -Wno-missing-prototypes

$(B)/libflamegate.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

# Test-only code (the synthetic generator, fixtures, fake servers) stays
# out of the library.
$(B)/libfgtest.a: $(TLIB_OBJ)
	$(AR) rcs $@ $^

$(FG_BIN): $(CLI_OBJ) $(B)/libflamegate.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(DEP_LIBS) $(LDLIBS)

$(B)/%: tests/tools/%.c $(B)/libfgtest.a $(B)/libflamegate.a $(GEN_H) | need-deps
	$(CC) $(ALL_CPPFLAGS) -Itests/lib -Itests $(ALL_CFLAGS) $(CHECK_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
	  $(B)/libfgtest.a $(B)/libflamegate.a $(CHECK_LIBS) $(DEP_LIBS) $(LDLIBS)

# The suite list is generated from the "Suite *x_suite(void)" definitions so
# a new tests/<layer>/check_<module>.c is picked up without editing
# check_main.c.
$(B)/tests/suites.inc: $(TEST_SRC)
	@mkdir -p $(@D)
	sed -n 's/^Suite \*\([a-z0-9_]*_suite\)(void)$$/FG_SUITE(\1)/p' $(TEST_SRC) > $@.tmp && mv $@.tmp $@

$(B)/tests/check_main.o: $(B)/tests/suites.inc
$(B)/tests/check_main.o: ALL_CPPFLAGS += -I$(B)/tests

$(B)/check_all: $(TEST_OBJ) $(B)/libfgtest.a $(B)/libflamegate.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(TEST_OBJ) $(B)/libfgtest.a $(B)/libflamegate.a $(CHECK_LIBS) $(DEP_LIBS) $(LDLIBS)

# "make check" first installs what the tests use, then runs them.  CI and
# the sanitizer runs call check-run directly after installing themselves.
check: test-deps
	@$(MAKE) --no-print-directory check-run

check-run: $(B)/check_all $(FG_BIN) $(TOOLS)
	CC="$(CC)" tests/layers.sh
	FG_CORPUS=$(CORPUS) $(abspath $(B))/check_all
	FG_CORPUS=$(CORPUS) tests/run-cli.sh $(abspath $(FG_BIN))

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
asan:
	$(MAKE) B=build/asan SAN="$(SAN_FLAGS)" CFLAGS="-O1 -g" check-run

VG := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
valgrind: $(B)/check_all $(FG_BIN) $(TOOLS)
	CK_FORK=no FG_CORPUS=$(CORPUS) FG_VALGRIND=1 $(VG) ./$(B)/check_all
	FG_CORPUS=$(CORPUS) EXEC_PREFIX="$(VG)" tests/run-cli.sh ./$(FG_BIN)

FUZZ_SECONDS ?= 60
fuzz: | need-deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) CORPUS=$(CORPUS) tests/fuzz/run.sh

bench: $(FG_BIN) $(TOOLS)
	FG=$(abspath $(FG_BIN)) GEN=$(abspath $(B))/fg-gen bench/run.sh

# Regenerate docs/flamegate.1 from every command's --help (tests/cli/man.sh
# fails when it is out of date).
man: $(FG_BIN)
	./$(FG_BIN) help --man > docs/flamegate.1.tmp && mv docs/flamegate.1.tmp docs/flamegate.1

# Rewrite the golden report files on purpose (review the diff).
update-golden: $(B)/check_all
	FG_UPDATE_GOLDEN=1 FG_CORPUS=$(CORPUS) ./$(B)/check_all

calibrate: $(FG_BIN) $(TOOLS)
	./$(B)/fg-calibrate

calibrate-real: $(FG_BIN)
	FG=$(abspath $(FG_BIN)) tests/realcal/run.sh

demo: deps
	@$(MAKE) --no-print-directory $(FG_BIN)
	@echo
	@echo '$$ flamegate top --top 8 examples/profiles/base.pb.gz'
	@./$(FG_BIN) top --top 8 examples/profiles/base.pb.gz
	@echo
	@echo '$$ flamegate compare examples/profiles/base.pb.gz examples/profiles/candidate.pb.gz'
	@./$(FG_BIN) compare --color=always examples/profiles/base.pb.gz examples/profiles/candidate.pb.gz; \
	 rc=$$?; echo; echo "exit code $$rc (0 = pass, 1 = regression found)"; [ $$rc -le 1 ]

# apt_install(WHAT, CHECK, PACKAGES): run CHECK; when it fails, install
# PACKAGES with apt-get (sudo when not root), else name them and fail.
define apt_install
	@if $(2); then echo "$(1) present"; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "flamegate: need root to install the $(1): $(3)" >&2; exit 1; fi; \
	  echo "installing the $(1): $(3)"; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(3) >/dev/null \
	  || { echo "flamegate: installing the $(1) failed (apt-get install $(3))" >&2; exit 1; }; \
	else echo "flamegate: please install the $(1) (Debian/Ubuntu names): $(3)" >&2; exit 1; fi
endef

deps:
	$(call apt_install,build dependencies,$(PKG_CONFIG) --exists $(DEPS) check 2>/dev/null && command -v $(PROTOC_C) >/dev/null,$(DEB_PKGS))

# Installs the missing ones of TEST_DEB_PKGS (tests/deps.sh names them),
# one by one when the whole list fails (a package this release does not
# have, e.g. linux-perf on Ubuntu).  Never fails the build: what cannot be
# installed is named, and the tests that need it skip naming it too.
test-deps: deps
	@missing=$$(tests/deps.sh | sed -n 's/^missing: //p' | tr '\n' ' '); \
	if [ -z "$$missing" ]; then echo "test tools present"; exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "flamegate: tests will skip; please install (Debian/Ubuntu names): $$missing" >&2; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	else echo "flamegate: tests will skip; need root to install: $$missing" >&2; exit 0; fi; \
	echo "installing the test tools (apt-get; a JDK and a browser among them, a few minutes): $$missing"; \
	$$SUDO apt-get update -qq; \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1 || \
	for p in $$missing; do \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$p >/dev/null 2>&1 || \
	    echo "flamegate: cannot install $$p (apt-get install $$p): the tests that need it will skip" >&2; \
	done; \
	still=$$(tests/deps.sh | sed -n 's/^missing: //p' | tr '\n' ' '); \
	[ -z "$$still" ] || echo "flamegate: still missing after installing: $$still" >&2

install: $(FG_BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(FG_BIN) $(DESTDIR)$(BINDIR)/flamegate
	install -m 644 docs/flamegate.1 $(DESTDIR)$(MANDIR)/man1/flamegate.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/flamegate $(DESTDIR)$(MANDIR)/man1/flamegate.1

clean-objs:
	rm -rf $(B)/src $(B)/tests $(B)/gen $(B)/libflamegate.a $(B)/libfgtest.a $(B)/check_all $(FG_BIN) $(TOOLS)

clean:
	rm -rf build flamegate

.PHONY: update-golden all check check-run asan valgrind fuzz bench calibrate calibrate-real demo deps test-deps need-deps install uninstall clean clean-objs
.SECONDARY: $(GEN_C) $(GEN_H)
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(TLIB_OBJ:.o=.d) $(TOOLS:=.d)
