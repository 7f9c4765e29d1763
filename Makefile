# edefter - send each e-Defter period once.
#
#   make            build everything (build/)
#   make check      install test packages (as root), build, run all tests
#   make install    DESTDIR, PREFIX (/usr/local), SYSCONFDIR (/etc)
#   make SANITIZE=1 ASan+UBSan build (build-san/)
#   make V=1        show the commands

PREFIX		?= /usr/local
SYSCONFDIR	?= /etc
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
DESTDIR		?=

CC		?= cc
CFLAGS		?= -O2 -g
LDFLAGS		?=

ifeq ($(SANITIZE),1)
O		?= build-san
SANFLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
CFLAGS		:= -O1 -g
HARDEN		:=
else
O		?= build
SANFLAGS	:=
HARDEN		:= -fstack-protector-strong -D_FORTIFY_SOURCE=2
endif

WARN		:= -Wall -Wextra -Werror -Wmissing-prototypes \
		   -Wstrict-prototypes -Wvla -Wwrite-strings \
		   -Wformat-security -fno-common
PQ_CPPFLAGS	:= $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)
ED_CPPFLAGS	:= -D_GNU_SOURCE -Ilib -DSYSCONFDIR='"$(SYSCONFDIR)"' $(PQ_CPPFLAGS)
ED_CFLAGS	:= -std=gnu11 -fPIE $(WARN) $(HARDEN) $(SANFLAGS) -pthread
ED_LDFLAGS	:= -pie -Wl,-z,relro,-z,now,-z,noexecstack $(SANFLAGS) -pthread
DEPFLAGS	= -MMD -MP -MF $(@:.o=.d)

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:
.PHONY: all check deps unit install clean fuzz fuzz-run fuzz-long demo \
		bench postfix-config postfix-unconfig

# ---- the library --------------------------------------------------------
LIB_SRC		:= $(wildcard lib/*.c)
LIB		:= $(O)/libedefter.a

# ---- the programs -------------------------------------------------------
CTL_SRC		:= $(wildcard ctl/*.c)
CTL		:= $(O)/edefterctl
CTL_LIBS	:= -llmdb -ljansson -lxlsxwriter -lpq

SCAN_SRC	:= $(wildcard scanner/*.c)
SCAN_CORE	:= $(filter-out scanner/main.c,$(SCAN_SRC))
SCAN_LIB	:= $(O)/libscan.a
SCAN		:= $(O)/edefter-scan
SCAN_LIBS	:= -lcurl -llmdb -lxlsxwriter -lcrypto -lpq

MILTER_SRC	:= $(wildcard milter/*.c)
MILTER		:= $(O)/edefter-milter
MILTER_LIBS	:= -lmilter -llmdb -lpq

DSN_SRC		:= $(wildcard dsn/*.c)
DSN_CORE	:= $(filter-out dsn/main.c,$(DSN_SRC))
DSN_LIB		:= $(if $(DSN_CORE),$(O)/libdsn.a)
DSN		:= $(if $(filter dsn/main.c,$(DSN_SRC)),$(O)/edefter-dsn)
DSN_LIBS	:= -llmdb -lpq

PROGS		:= $(CTL) $(MILTER) $(SCAN) $(DSN)

# ---- unit tests ---------------------------------------------------------
UNIT_SRC	:= $(wildcard tests/unit/test_*.c)
UNIT		:= $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
UNIT_LIBS	:= -llmdb -ljansson -lcurl -lxlsxwriter -lcrypto -lpq

OBJ		= $(patsubst %.c,$(O)/%.o,$(1))

all: $(PROGS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ED_CPPFLAGS) $(CPPFLAGS) $(ED_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(LIB): $(call OBJ,$(LIB_SRC))
	$(call say,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(CTL): $(call OBJ,$(CTL_SRC)) $(LIB)
	$(call say,LD,$@)$(CC) $(ED_LDFLAGS) $(LDFLAGS) -o $@ $^ $(CTL_LIBS)

$(SCAN_LIB): $(call OBJ,$(SCAN_CORE))
	$(call say,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(SCAN): $(O)/scanner/main.o $(SCAN_LIB) $(LIB)
	$(call say,LD,$@)$(CC) $(ED_LDFLAGS) $(LDFLAGS) -o $@ $^ $(SCAN_LIBS)

$(MILTER): $(call OBJ,$(MILTER_SRC)) $(LIB)
	$(call say,LD,$@)$(CC) $(ED_LDFLAGS) $(LDFLAGS) -o $@ $^ $(MILTER_LIBS)

ifneq ($(DSN_CORE),)
$(DSN_LIB): $(call OBJ,$(DSN_CORE))
	$(call say,AR,$@)rm -f $@ && $(AR) rcs $@ $^
endif

ifneq ($(DSN),)
$(DSN): $(O)/dsn/main.o $(DSN_LIB) $(LIB)
	$(call say,LD,$@)$(CC) $(ED_LDFLAGS) $(LDFLAGS) -o $@ $^ $(DSN_LIBS)
endif

$(O)/tests/unit/%.o: ED_CPPFLAGS += -Iscanner -Idsn

$(O)/tests/%: $(O)/tests/unit/%.o $(SCAN_LIB) $(DSN_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(ED_LDFLAGS) $(LDFLAGS) -o $@ $^ $(UNIT_LIBS)

TOOLS		:= $(patsubst tests/tools/%.c,$(O)/tools/%,$(wildcard tests/tools/*.c))

$(O)/tools/%: $(O)/tests/tools/%.o
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(ED_LDFLAGS) $(LDFLAGS) -o $@ $^ -llmdb -lpq

unit: $(UNIT) $(TOOLS)

# ---- fuzzing (clang's libFuzzer) ---------------------------------------
FUZZ_SECONDS	?= 20
FUZZ_O		:= build-fuzz
FUZZ_CFLAGS	:= -std=gnu11 -D_GNU_SOURCE -Ilib -Iscanner -g -O1 \
		   -fsanitize=fuzzer,address,undefined
FUZZ_LIBSRC	:= lib/buf.c lib/names.c lib/json.c lib/addr.c lib/log.c \
		   lib/trfold.c
FUZZ_ALL	:= mime names csv dsn conf rfc2047 zip deadlines
FUZZ_NAMES	:= $(foreach n,$(FUZZ_ALL),$(if $(wildcard tests/fuzz/fuzz_$(n).c),$(n)))
FUZZ_TARGETS	:= $(patsubst %,$(FUZZ_O)/fuzz_%,$(FUZZ_NAMES))

fuzz: $(FUZZ_TARGETS)

$(FUZZ_O)/fuzz_mime: tests/fuzz/fuzz_mime.c lib/mime.c lib/rfc2047.c $(FUZZ_LIBSRC)
	@mkdir -p $(dir $@)
	$(call say,FUZZ,$@)clang $(FUZZ_CFLAGS) -o $@ $^

$(FUZZ_O)/fuzz_names: tests/fuzz/fuzz_names.c lib/ledger_rec.c $(FUZZ_LIBSRC)
	@mkdir -p $(dir $@)
	$(call say,FUZZ,$@)clang $(FUZZ_CFLAGS) -o $@ $^

$(FUZZ_O)/fuzz_csv: tests/fuzz/fuzz_csv.c scanner/companies.c \
		$(wildcard scanner/csv.c scanner/companies_hdr.c) $(FUZZ_LIBSRC)
	@mkdir -p $(dir $@)
	$(call say,FUZZ,$@)clang $(FUZZ_CFLAGS) -o $@ $^

$(FUZZ_O)/fuzz_dsn: tests/fuzz/fuzz_dsn.c $(DSN_CORE) $(FUZZ_LIBSRC)
	@mkdir -p $(dir $@)
	$(call say,FUZZ,$@)clang $(FUZZ_CFLAGS) -Idsn -o $@ $^

$(FUZZ_O)/fuzz_conf: tests/fuzz/fuzz_conf.c lib/conf.c $(wildcard lib/conf_value.c) lib/cidr.c $(FUZZ_LIBSRC)
	@mkdir -p $(dir $@)
	$(call say,FUZZ,$@)clang $(FUZZ_CFLAGS) -o $@ $^

$(FUZZ_O)/fuzz_rfc2047: tests/fuzz/fuzz_rfc2047.c lib/rfc2047.c $(FUZZ_LIBSRC)
	@mkdir -p $(dir $@)
	$(call say,FUZZ,$@)clang $(FUZZ_CFLAGS) -o $@ $^

$(FUZZ_O)/fuzz_zip: tests/fuzz/fuzz_zip.c scanner/zipcheck.c
	@mkdir -p $(dir $@)
	$(call say,FUZZ,$@)clang $(FUZZ_CFLAGS) -o $@ $^

$(FUZZ_O)/fuzz_deadlines: tests/fuzz/fuzz_deadlines.c scanner/deadline.c \
		scanner/holidays.c $(FUZZ_LIBSRC)
	@mkdir -p $(dir $@)
	$(call say,FUZZ,$@)clang $(FUZZ_CFLAGS) -o $@ $^

# fuzz-run - each target for FUZZ_SECONDS on a copy of its corpus
fuzz-run: fuzz
	@for t in $(FUZZ_NAMES); do \
	    rm -rf $(FUZZ_O)/corpus-$$t && mkdir -p $(FUZZ_O)/corpus-$$t && \
	    cp tests/fuzz/corpus/$$t/* $(FUZZ_O)/corpus-$$t/ && \
	    $(FUZZ_O)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	        -print_final_stats=1 $(FUZZ_O)/corpus-$$t \
	        >$(FUZZ_O)/fuzz_$$t.log 2>&1 || { tail -n 30 $(FUZZ_O)/fuzz_$$t.log; exit 1; }; \
	    echo "fuzz_$$t: $$(grep -m1 stat::number_of_executed_units $(FUZZ_O)/fuzz_$$t.log | awk '{print $$2}') runs in $(FUZZ_SECONDS)s, no crash"; \
	done

# fuzz-long - each target for FUZZ_LONG_SECONDS (default 600), or until
# FUZZ_LONG_RUNS executions if that comes first, on a corpus kept in
# build-fuzz/long-<name>, which grows from run to run; one target:
# make fuzz-long FUZZ_NAMES=zip FUZZ_LONG_RUNS=10000000
FUZZ_LONG_SECONDS ?= 600
FUZZ_LONG_RUNS	?=
fuzz-long: fuzz
	@for t in $(FUZZ_NAMES); do \
	    mkdir -p $(FUZZ_O)/long-$$t && \
	    before=$$(ls $(FUZZ_O)/long-$$t | wc -l) && \
	    cp -n tests/fuzz/corpus/$$t/* $(FUZZ_O)/long-$$t/ 2>/dev/null; \
	    $(FUZZ_O)/fuzz_$$t -max_total_time=$(FUZZ_LONG_SECONDS) \
	        $(if $(FUZZ_LONG_RUNS),-runs=$(FUZZ_LONG_RUNS)) \
	        -max_len=65536 -print_final_stats=1 \
	        -artifact_prefix=$(FUZZ_O)/crash-$$t- $(FUZZ_O)/long-$$t \
	        >$(FUZZ_O)/long_$$t.log 2>&1 || { tail -n 30 $(FUZZ_O)/long_$$t.log; exit 1; }; \
	    echo "fuzz_$$t: $$(grep -m1 '^Done .* runs in' $(FUZZ_O)/long_$$t.log | sed 's/^Done //'), corpus $$before -> $$(ls $(FUZZ_O)/long-$$t | wc -l), no crash"; \
	done

# ---- packages -----------------------------------------------------------
DEB_PACKAGES	:= gcc make pkg-config libmilter-dev liblmdb-dev lmdb-utils \
		   libcurl4-openssl-dev libjansson-dev clang python3 iproute2 \
		   postfix miltertest samba rclone fuse3 mandoc \
		   libxlsxwriter-dev python3-openpyxl libssl-dev strace \
		   libpq-dev postgresql chromium rsyslog dpkg-dev debhelper lintian \
		   sasl2-bin libsasl2-modules openssl ca-certificates libfuse3-dev m4

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q 'install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	line="apt-get install -y --no-install-recommends $$(echo $$missing)"; \
	if [ "$$(id -u)" != 0 ]; then \
	    echo "missing packages; as root run: $$line" >&2; exit 1; fi; \
	echo "installing: $$(echo $$missing)"; \
	echo 'postfix postfix/main_mailer_type select No configuration' | \
	    debconf-set-selections; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && $$line -qq >/dev/null

# ---- tests --------------------------------------------------------------
# the builds of check run on every CPU (JOBS=1 for one at a time)
JOBS		?= $(shell nproc 2>/dev/null || echo 2)

check: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all unit
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) CC=clang O=build-clang all unit
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) SANITIZE=1 unit
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) fuzz
	$(Q)tests/run.sh --build $(O) --san-build build-san

# ---- the demo -------------------------------------------------------------
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(CURDIR)/$(O) tests/demo.sh

# ---- benchmarks (not tests: they print ratios, assert nothing) ------------
bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(CURDIR)/$(O) bench/run.sh

# ---- install ------------------------------------------------------------
UNITDIR		?= /lib/systemd/system
TMPFILESDIR	?= /usr/lib/tmpfiles.d
MAN5		:= lib/edefter.conf.5
MAN8		:= milter/edefter-milter.8 scanner/edefter-scan.8 ctl/edefterctl.8 \
		   dsn/edefter-dsn.8
UNITS		:= postfix/edefter-milter.service postfix/edefter-scan.service \
		   postfix/edefter-scan.timer postfix/edefter-scan-daemon.service
SUBST		= sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

# install - programs, pages, units (paths filled in), tmpfiles.d; the
# examples as *.example, and edefter.conf from its example only when there
# is none (0644: the scanner runs as edefter and must read it)
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/edefter \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(TMPFILESDIR)
	install -m 0755 $(PROGS) postfix/edefter-postconf $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	for u in $(UNITS); do \
	    $(SUBST) $$u >$(DESTDIR)$(UNITDIR)/$${u#postfix/} && \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$${u#postfix/} || exit 1; \
	done
	install -m 0644 postfix/tmpfiles.edefter.conf $(DESTDIR)$(TMPFILESDIR)/edefter.conf
	install -m 0644 postfix/edefter.conf.example postfix/companies.csv.example \
	    $(DESTDIR)$(SYSCONFDIR)/edefter/
	@t=$(DESTDIR)$(SYSCONFDIR)/edefter/edefter.conf; \
	if [ -e $$t ]; then echo "keeping $$t"; \
	else echo "install -m 0644 postfix/edefter.conf.example $$t"; \
	    install -m 0644 postfix/edefter.conf.example $$t; fi

# postfix-config / postfix-unconfig - the main.cf and master.cf settings
postfix-config:
	postfix/edefter-postconf apply

postfix-unconfig:
	postfix/edefter-postconf remove

clean:
	rm -rf build build-san build-clang build-fuzz

# the Debian package: make deb, make check-deb (debian/deb.mk)
-include debian/deb.mk

-include $(shell find $(O) -name '*.d' 2>/dev/null)
