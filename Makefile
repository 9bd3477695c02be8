# flamegate - a deploy gate for performance.  Plain GNU make.
#
#   make            build ./flamegate (and build/libflamegate.a)
#   make deps       install the Debian/Ubuntu packages needed (apt-get; sudo
#                   when not root), or print the exact list when it cannot
#   make demo       deps + build + compare the bundled example profiles
#   make check      unit and end-to-end tests (Check)
#   make asan       the suite under AddressSanitizer + UBSan
#   make valgrind   the suite under valgrind memcheck
#   make fuzz       libFuzzer harnesses, FUZZ_SECONDS each (clang)
#   make bench      benchmark harness (bench/README.md)
#   make calibrate  statistical calibration (README "Statistics")
#   make install    PREFIX=/usr/local DESTDIR=
#
# CFLAGS/CPPFLAGS/LDFLAGS/LDLIBS belong to the user; project flags live in
# ALL_*.  WERROR=1 turns warnings into errors (CI does this).

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

DEPS        := libprotobuf-c zlib libcurl gsl jansson
DEB_PKGS    := build-essential pkg-config libprotobuf-c-dev protobuf-c-compiler \
               zlib1g-dev libcurl4-openssl-dev libgsl-dev libjansson-dev check
HAVE_DEPS   := $(shell $(PKG_CONFIG) --exists $(DEPS) check 2>/dev/null && command -v $(PROTOC_C) >/dev/null && echo yes)
DEP_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(DEPS) 2>/dev/null)
DEP_LIBS    := $(shell $(PKG_CONFIG) --libs $(DEPS) 2>/dev/null) -lm -lpthread
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS  := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wwrite-strings -Wpointer-arith -Wformat=2 \
        -Wundef -Wvla -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN += -Werror
endif

ALL_CPPFLAGS = -Iinclude -I$(B)/gen -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE -MMD -MP $(CPPFLAGS)
ALL_CFLAGS   = -std=c11 $(WARN) $(DEP_CFLAGS) $(SAN) $(CFLAGS)
ALL_LDFLAGS  = $(SAN) $(LDFLAGS)

PROTOS    := $(wildcard src/proto/*.proto)
GEN_C     := $(patsubst src/proto/%.proto,$(B)/gen/%.pb-c.c,$(PROTOS))
GEN_H     := $(GEN_C:.c=.h)
LIB_SRC   := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ   := $(patsubst %.c,$(B)/%.o,$(LIB_SRC)) $(GEN_C:.c=.o)
TEST_SRC  := $(sort $(wildcard tests/check_*.c))
TEST_OBJ  := $(patsubst %.c,$(B)/%.o,$(sort $(wildcard tests/*.c)))
TOOLS     := $(patsubst tests/tools/%.c,$(B)/%,$(wildcard tests/tools/*.c))

all: $(FG_BIN) $(TOOLS)

ifneq ($(HAVE_DEPS),yes)
ifeq ($(filter deps help clean,$(MAKECMDGOALS)),)
$(warning missing build dependencies: run 'make deps' (packages: $(DEB_PKGS)))
endif
endif

$(B)/gen/%.pb-c.c $(B)/gen/%.pb-c.h: src/proto/%.proto
	@mkdir -p $(B)/gen
	$(PROTOC_C) --c_out=$(B)/gen -Isrc/proto $<

# Generated code is compiled with relaxed warnings, never -Werror.
$(B)/gen/%.o: $(B)/gen/%.c
	$(CC) $(ALL_CPPFLAGS) -std=c11 -w $(DEP_CFLAGS) $(SAN) $(CFLAGS) -c -o $@ $<

$(B)/%.o: %.c $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# Suites are found by name (suites.inc), not declared in a header.
$(TEST_OBJ): ALL_CFLAGS += $(CHECK_CFLAGS) -Wno-missing-prototypes

$(B)/libflamegate.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(FG_BIN): $(B)/src/main.o $(B)/libflamegate.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(DEP_LIBS) $(LDLIBS)

$(B)/%: tests/tools/%.c $(B)/libflamegate.a $(GEN_H)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(B)/libflamegate.a $(DEP_LIBS) $(LDLIBS)

# The suite list is generated from the "Suite *x_suite(void)" definitions so
# a new tests/check_<module>.c is picked up without editing check_main.c.
$(B)/tests/suites.inc: $(TEST_SRC)
	@mkdir -p $(@D)
	sed -n 's/^Suite \*\([a-z0-9_]*_suite\)(void)$$/FG_SUITE(\1)/p' $(TEST_SRC) > $@.tmp && mv $@.tmp $@

$(B)/tests/check_main.o: $(B)/tests/suites.inc
$(B)/tests/check_main.o: ALL_CPPFLAGS += -I$(B)/tests

$(B)/check_all: $(TEST_OBJ) $(B)/libflamegate.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(TEST_OBJ) $(B)/libflamegate.a $(CHECK_LIBS) $(DEP_LIBS) $(LDLIBS)

check: $(B)/check_all $(FG_BIN) $(TOOLS)
	FG_CORPUS=$(CORPUS) $(abspath $(B))/check_all
	FG_CORPUS=$(CORPUS) tests/run-cli.sh $(abspath $(FG_BIN))

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
asan:
	$(MAKE) B=build/asan SAN="$(SAN_FLAGS)" CFLAGS="-O1 -g" check

VG := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
valgrind: $(B)/check_all $(FG_BIN) $(TOOLS)
	CK_FORK=no FG_CORPUS=$(CORPUS) FG_VALGRIND=1 $(VG) ./$(B)/check_all
	FG_CORPUS=$(CORPUS) EXEC_PREFIX="$(VG)" tests/run-cli.sh ./$(FG_BIN)

FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) CORPUS=$(CORPUS) tests/fuzz/run.sh

bench: $(FG_BIN) $(TOOLS)
	FG=$(abspath $(FG_BIN)) GEN=$(abspath $(B))/fg-gen bench/run.sh

# Rewrite the golden report files on purpose (review the diff).
update-golden: $(B)/check_all
	FG_UPDATE_GOLDEN=1 FG_CORPUS=$(CORPUS) ./$(B)/check_all

calibrate: $(FG_BIN) $(TOOLS)
	./$(B)/fg-calibrate

demo: deps $(FG_BIN)
	@echo
	@echo '$$ flamegate top --top 8 examples/profiles/base.pb.gz'
	@./flamegate top --top 8 examples/profiles/base.pb.gz
	@echo
	@echo '$$ flamegate compare examples/profiles/base.pb.gz examples/profiles/candidate.pb.gz'
	@./flamegate compare --color=always examples/profiles/base.pb.gz examples/profiles/candidate.pb.gz; \
	 rc=$$?; echo; echo "exit code $$rc (0 = pass, 1 = regression found)"; [ $$rc -le 1 ]

deps:
	@if [ "$(HAVE_DEPS)" = yes ]; then echo "build dependencies present"; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "need root to install: $(DEB_PKGS)"; exit 1; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEB_PKGS); \
	else echo "please install: $(DEB_PKGS) (Debian/Ubuntu names)"; exit 1; fi

install: flamegate
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 flamegate $(DESTDIR)$(BINDIR)/flamegate
	install -m 644 docs/flamegate.1 $(DESTDIR)$(MANDIR)/man1/flamegate.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/flamegate $(DESTDIR)$(MANDIR)/man1/flamegate.1

clean-objs:
	rm -rf $(B)/src $(B)/tests $(B)/gen $(B)/libflamegate.a $(B)/check_all flamegate $(TOOLS)

clean:
	rm -rf build flamegate

.PHONY: update-golden all check asan valgrind fuzz bench calibrate demo deps install uninstall clean clean-objs
.SECONDARY: $(GEN_C) $(GEN_H)
-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(B)/src/main.d $(TOOLS:=.d)
