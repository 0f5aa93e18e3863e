# fk_tools: PGXS build.  `make && make install`, then `make installcheck`
# against a running server; test/run-all does everything on a fresh machine.

EXTENSION = fk_tools
MODULE_big = fk_tools
OBJS = fk_tools.o $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA = fk_tools--1.0.sql fk_tools--1.1.sql fk_tools--1.0--1.1.sql
PGFILEDESC = "fk_tools - foreign key diagnostics"

PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -Wno-sign-compare -Wno-clobbered

# Every file runs alone: pg_regress installs the extension in the test
# database, and each file creates (and drops) what it uses.
REGRESS = extension constraints graph issues orphans orphans_random \
	orphans_safety orphans_pass cascade cascade_exact cascade_random explain repair \
	validate fix_steps schema trojans names attack_defaults attack_json_casts \
	attack_domains attack_deep attack_misc attack_explain_input suggest \
	cascade_whatif update_images cascade_random_images cascade_spill cascade_indexed cascade_plans \
	issues_actions issues_siblings picture picture_cascade snapshot audit declared
REGRESS_OPTS = --load-extension=fk_tools
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --load-extension=fk_tools
# prove fails when t/ holds no test, so only ask for it when there is one
TAP_TESTS := $(if $(wildcard t/*.pl),1)

# No LLVM bitcode: JIT inlining of these functions gains nothing.
override with_llvm = no

# "make dist": the PGXN archive $(EXTENSION)-<META.json's version>.zip,
# holding exactly what make, make install and make installcheck need, plus
# META.json, the READMEs and the licence (test/dist.sh checks it).
DIST_VERSION = $(shell perl -MJSON::PP -0777 -ne 'print decode_json($$_)->{version}' META.json)
DIST = $(EXTENSION)-$(DIST_VERSION)
DIST_FILES = META.json README.md README.cascade.md LICENSE Makefile \
	$(EXTENSION).control $(DATA) $(EXTENSION).c \
	$(sort $(wildcard src/*.c src/*.h sql/*.sql expected/*.out specs/*.spec t/*.pl test/*.sql)) \
	$(sort $(wildcard monitoring/*.yaml monitoring/grafana/*))
EXTRA_CLEAN = $(EXTENSION)-*.zip

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: rebuild everything when the shared
# header changes (struct layouts), or stale objects read a wrong struct.
# (After the include, so that "all" stays the default goal.)
$(OBJS): $(wildcard $(srcdir)/src/*.h)

.PHONY: dist
dist:
	rm -rf $(DIST) $(DIST).zip
	mkdir $(DIST)
	cp --parents $(DIST_FILES) $(DIST)/
	zip -qrX $(DIST).zip $(DIST)
	rm -rf $(DIST)
