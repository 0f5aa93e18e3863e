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
	orphans_safety cascade cascade_random explain repair validate schema \
	trojans snapshot audit
REGRESS_OPTS = --load-extension=fk_tools
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --load-extension=fk_tools
# prove fails when t/ holds no test, so only ask for it when there is one
TAP_TESTS := $(if $(wildcard t/*.pl),1)

# No LLVM bitcode: JIT inlining of these functions gains nothing.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: rebuild everything when the shared
# header changes (struct layouts), or stale objects read a wrong struct.
# (After the include, so that "all" stays the default goal.)
$(OBJS): $(wildcard $(srcdir)/src/*.h)
