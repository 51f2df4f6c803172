# SPDX-License-Identifier: MIT
#
# Builds and installs Heapwise the way Linux packagers expect:
#   make                                   release builds of heapwise and libheapwise
#   make install PREFIX=/usr DESTDIR=/tmp/stage
#   make install-strip                     the same, binaries stripped (as automake's)
#   make uninstall PREFIX=/usr DESTDIR=/tmp/stage
# PREFIX is where the files will live when running; DESTDIR stages them elsewhere. An
# installed heapwise and libheapwise find their profiles under PREFIX/share/heapwise from
# their own location, so no path is compiled in.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPLETIONDIR ?= $(DATADIR)/zsh/vendor-completions
FISHCOMPLETIONDIR ?= $(DATADIR)/fish/vendor_completions.d

SWIFT ?= swift
CONFIGURATION ?= release
# The build folder (swift build --scratch-path), for parallel builds that must not share one.
SCRATCH ?= .build
swift_build = $(SWIFT) build --scratch-path $(SCRATCH) -c $(CONFIGURATION)
BUILDDIR = $(shell $(swift_build) --show-bin-path 2>/dev/null)
MANUAL := $(SCRATCH)/plugins/GenerateManual/outputs/heapwise/heapwise.1
INSTALL ?= install

header := include/heapwise/heapwise.h
version_part = $(shell sed -n 's/^\#define HEAPWISE_VERSION_$(1) \([0-9]*\)$$/\1/p' $(header))
VERSION := $(call version_part,MAJOR).$(call version_part,MINOR).$(call version_part,MICRO)
SOVERSION := $(call version_part,MAJOR)
library := libheapwise.so.$(VERSION)

.PHONY: all build install install-strip uninstall
all: build

build:
	$(swift_build) --product heapwise
	$(swift_build) --product HeapwiseC
	$(SWIFT) package --scratch-path $(SCRATCH) --allow-writing-to-package-directory generate-manual >/dev/null

# Installs what `make` built (it does not build: `sudo make install` must not need swift, nor
# leave root's files in the build folder). The manual page comes from swift-argument-parser's
# generate-manual plugin, and the completions from `heapwise --generate-completion-script`:
# both read the commands' own help.
install:
	@test -x $(BUILDDIR)/heapwise -a -f $(BUILDDIR)/libHeapwiseC.so -a -f $(MANUAL) || \
		{ echo "make install: nothing built in $(BUILDDIR): run make first" >&2; exit 1; }
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/heapwise \
		$(DESTDIR)$(DATADIR)/heapwise/profiles $(DESTDIR)$(DATADIR)/heapwise/examples \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPLETIONDIR) $(DESTDIR)$(ZSHCOMPLETIONDIR) $(DESTDIR)$(FISHCOMPLETIONDIR)
	$(INSTALL) -m 0755 $(BUILDDIR)/heapwise $(DESTDIR)$(BINDIR)/heapwise
	$(INSTALL) -m 0755 $(BUILDDIR)/libHeapwiseC.so $(DESTDIR)$(LIBDIR)/$(library)
	ln -sf $(library) $(DESTDIR)$(LIBDIR)/libheapwise.so.$(SOVERSION)
	ln -sf libheapwise.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libheapwise.so
	$(INSTALL) -m 0644 $(header) $(DESTDIR)$(INCLUDEDIR)/heapwise/heapwise.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' dist/heapwise.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/heapwise.pc
	$(INSTALL) -m 0644 Profiles/*.yaml $(DESTDIR)$(DATADIR)/heapwise/profiles/
	$(INSTALL) -m 0644 Examples/broker/policy.yaml $(DESTDIR)$(DATADIR)/heapwise/examples/policy.yaml
	sed 's|/usr/local/bin/heapwise|$(BINDIR)/heapwise|' dist/systemd/heapwise.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/heapwise.service
	$(INSTALL) -m 0644 dist/systemd/heapwise.socket $(DESTDIR)$(SYSTEMDUNITDIR)/heapwise.socket
	$(INSTALL) -m 0644 $(MANUAL) $(DESTDIR)$(MANDIR)/man1/heapwise.1
	$(BUILDDIR)/heapwise --generate-completion-script bash >$(DESTDIR)$(BASHCOMPLETIONDIR)/heapwise
	$(BUILDDIR)/heapwise --generate-completion-script zsh >$(DESTDIR)$(ZSHCOMPLETIONDIR)/_heapwise
	$(BUILDDIR)/heapwise --generate-completion-script fish >$(DESTDIR)$(FISHCOMPLETIONDIR)/heapwise.fish

install-strip: install
	strip $(DESTDIR)$(BINDIR)/heapwise $(DESTDIR)$(LIBDIR)/$(library)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/heapwise \
		$(DESTDIR)$(LIBDIR)/$(library) $(DESTDIR)$(LIBDIR)/libheapwise.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libheapwise.so \
		$(DESTDIR)$(LIBDIR)/pkgconfig/heapwise.pc $(DESTDIR)$(INCLUDEDIR)/heapwise/heapwise.h \
		$(DESTDIR)$(SYSTEMDUNITDIR)/heapwise.service $(DESTDIR)$(SYSTEMDUNITDIR)/heapwise.socket \
		$(DESTDIR)$(MANDIR)/man1/heapwise.1 $(DESTDIR)$(BASHCOMPLETIONDIR)/heapwise \
		$(DESTDIR)$(ZSHCOMPLETIONDIR)/_heapwise $(DESTDIR)$(FISHCOMPLETIONDIR)/heapwise.fish
	rm -rf $(DESTDIR)$(DATADIR)/heapwise
	-rmdir $(DESTDIR)$(INCLUDEDIR)/heapwise 2>/dev/null
