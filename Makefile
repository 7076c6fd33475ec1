# leakscope — one Makefile: `make` builds ./leakscope; see README.md for the rest.

CC       ?= cc
BUILD    ?= build
PKGS     := ncursesw libcurl libcjson zlib sqlite3 libpq yaml-0.1 libmicrohttpd
WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes -Wwrite-strings
# CFLAGS and LDFLAGS are the caller's (make asan sets them); the project's own flags ride beside.
CFLAGS   ?= -O2 -g
XCFLAGS  := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(WARN) -Werror -I. -MMD -MP
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# libcurl, libpq and libmicrohttpd are opened on first use (fetch/curl_load.c, playbooks/pq_load.c,
# cli/mhd_load.c), not linked: loading them and what they pull in cost every command ~7 ms at start.
LAZY_LIBS := -lcurl -lpq -lmicrohttpd
LDLIBS   += $(filter-out $(LAZY_LIBS),$(PKG_LIBS)) -lm -lpthread -ldl

LIB_SRC  := $(wildcard lib/*.c analyze/*.c fetch/*.c playbooks/*.c tui/*.c) $(filter-out cli/main.c,$(wildcard cli/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/cli/main.o
ANALYZE_OBJ := $(filter $(BUILD)/analyze/%,$(LIB_OBJ))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

.PHONY: all deps test unit integration fuzz fuzz-smoke fuzz-lib asan bench demo lint man install uninstall clean

all: leakscope

leakscope: $(LIB_OBJ) $(MAIN_OBJ)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The leak-pattern catalogue is a data file, built into the binary.
playbooks/patterns_data.c: playbooks/patterns.json playbooks/embed.sh
	@echo "  GEN     $@"
	@sh playbooks/embed.sh playbooks/patterns.json $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(XCFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST    $<"
	@$(CC) $(CFLAGS) $(XCFLAGS) $(PKG_CFLAGS) $(shell pkg-config --cflags cmocka) -o $@ $< $(LIB_OBJ) \
		$(LDFLAGS) $(LDLIBS) $(shell pkg-config --libs cmocka)

# The manual page, typeset from the program's own --help (cli/man.sh): it cannot drift from it.
man: $(BUILD)/leakscope.1
$(BUILD)/leakscope.1: leakscope cli/man.sh
	@mkdir -p $(dir $@)
	@echo "  MAN     $@"
	@sh cli/man.sh ./leakscope > $@.tmp && mv $@.tmp $@

# make install PREFIX=DIR (default /usr/local; DESTDIR for staging): the binary, the manual page,
# bash and zsh completion, and the bundled playbooks where the binary looks for them
# (PREFIX/share/leakscope/playbooks; the pattern catalogue is built into the binary).
PREFIX   ?= /usr/local
INST     := $(DESTDIR)$(PREFIX)
PLAYBOOKS := $(filter-out playbooks/patterns.json,$(wildcard playbooks/*.json))
install: all $(BUILD)/leakscope.1
	install -d $(INST)/bin $(INST)/share/man/man1 $(INST)/share/bash-completion/completions \
		$(INST)/share/zsh/site-functions $(INST)/share/leakscope/playbooks
	install -m 0755 leakscope $(INST)/bin/leakscope
	install -m 0644 $(BUILD)/leakscope.1 $(INST)/share/man/man1/leakscope.1
	install -m 0644 cli/completion.bash $(INST)/share/bash-completion/completions/leakscope
	install -m 0644 cli/completion.zsh $(INST)/share/zsh/site-functions/_leakscope
	install -m 0644 $(PLAYBOOKS) $(INST)/share/leakscope/playbooks/

uninstall:
	rm -f $(INST)/bin/leakscope $(INST)/share/man/man1/leakscope.1 \
		$(INST)/share/bash-completion/completions/leakscope $(INST)/share/zsh/site-functions/_leakscope \
		$(addprefix $(INST)/share/leakscope/playbooks/,$(notdir $(PLAYBOOKS)))
	-rmdir $(INST)/share/leakscope/playbooks $(INST)/share/leakscope 2>/dev/null

# Installs what is missing from Debian's packages, and Go 1.27 into tests/.go1.27 (not the system).
deps:
	@tests/lib/deps.sh

# The whole suite: unit tests, screen tests, integration tests against real servers, a fuzz smoke
# run; each runs to its end, and the last line counts the suites that passed and failed.
test: deps
	@$(MAKE) --no-print-directory all
	@tests/lib/suites.sh "unit=$(MAKE) --no-print-directory unit" "tui=tests/tui/run.sh" \
		"integration=tests/integration/run.sh" "fuzz=$(MAKE) --no-print-directory fuzz-smoke"

# Unit tests; one alone: make unit T=parse
unit: $(UNIT_BIN)
	@tests/lib/unit.sh $(BUILD)/tests $(T)

integration: all
	@tests/integration/run.sh $(T)

# libFuzzer targets, built with clang; `make fuzz` runs each for FUZZ_SECONDS (default 60).
FUZZ_SECONDS ?= 60
fuzz:
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

fuzz-smoke:
	@tests/fuzz/run.sh 10

# What the fuzz targets link: every layer below the console, as one archive (tests/fuzz/run.sh
# builds it with BUILD=build/fuzz/obj and the sanitizer flags).
FUZZ_LIB_OBJ := $(filter $(BUILD)/lib/% $(BUILD)/analyze/% $(BUILD)/fetch/% $(BUILD)/playbooks/%,$(LIB_OBJ))
fuzz-lib: $(BUILD)/libfuzz.a
$(BUILD)/libfuzz.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

# The unit and integration suites under AddressSanitizer and UBSan, in build/asan.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan CC=clang \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" leakscope-asan unit
	@LEAKSCOPE=$(CURDIR)/build/asan/leakscope tests/integration/run.sh

leakscope-asan: $(LIB_OBJ) $(MAIN_OBJ)
	@$(CC) $(LDFLAGS) -o $(BUILD)/leakscope $^ $(LDLIBS)

bench: deps all
	@tests/bench/run.sh

demo: deps all
	@tests/lib/demo.sh

# No banned call, and every line changed since .clang-format came formatted by it (tests/lib/lint.sh).
lint:
	@tests/lib/lint.sh $(LINT_BASE)
	@! git grep -nE '#include [<"](curl|ncurses|curses|cjson|analyze|fetch|playbooks|tui|cli)/' -- 'lib/*.c' 'lib/*.h' \
		|| { echo "lib/ includes nothing above it (no curl, curses or cJSON either)"; exit 1; }
	@! git grep -nE '#include [<"](curl|ncurses|curses|cjson|fetch|playbooks|tui|cli)/' -- 'analyze/*.c' 'analyze/*.h' \
		|| { echo "analyze/ includes only itself and lib/"; exit 1; }

clean:
	rm -rf build leakscope

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
