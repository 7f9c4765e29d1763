# debian/deb.mk - the Debian package (included by the top Makefile)
#
#   make deb        build it with dpkg-buildpackage -us -uc -b into
#                   build/deb/: edefter_VERSION_ARCH.deb, its -dbgsym
#                   package, .buildinfo and .changes; the tree is left
#                   clean (dh clean; the build itself goes to build-deb/)
#   make check-deb  make deb, lintian on the result (fails on errors),
#                   then tests/t/t9500-deb.sh (install, check, purge)
#
# As root, deb installs what the build needs (dpkg-dev, then the
# Build-Depends of debian/control with apt-get build-dep) and check-deb
# lintian; otherwise they print the apt-get line and stop.  The version
# is debian/changelog's, the one place it is kept.

DEB_OUT		:= build/deb
DEB_VERSION	= $(shell dpkg-parsechangelog -l debian/changelog -S Version)
DEB_ARCH	= $(shell dpkg --print-architecture)
DEB_BASE	= edefter_$(DEB_VERSION)_$(DEB_ARCH)

.PHONY: deb deb-deps check-deb lintian-deps

# deb_apt WHAT CMD - run an apt-get command as root, or print it and fail
deb_apt = if [ "$$(id -u)" != 0 ]; then \
	    echo "missing: $(1); as root run: $(2)" >&2; exit 1; fi; \
	echo "installing: $(1)"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && $(2) -qq >/dev/null

deb-deps:
	@command -v dpkg-checkbuilddeps >/dev/null 2>&1 || { \
	    $(call deb_apt,dpkg-dev,apt-get install -y --no-install-recommends dpkg-dev); }
	@dpkg-checkbuilddeps >/dev/null 2>&1 || { \
	    $(call deb_apt,$$(dpkg-checkbuilddeps 2>&1 | sed -n 's/.*Unmet build dependencies: //p'),apt-get build-dep -y --no-install-recommends ./); }

lintian-deps:
	@command -v lintian >/dev/null 2>&1 || { \
	    $(call deb_apt,lintian,apt-get install -y --no-install-recommends lintian); }

# MAKEFLAGS and friends are dropped: debian/rules is a makefile of its
# own and must not inherit this make's variables (O=, SANITIZE=, -s, ...)
deb: deb-deps
	$(Q)rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)
	$(Q)env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	    EDEFTER_DEB_DESTDIR=$(CURDIR)/$(DEB_OUT) \
	    dpkg-buildpackage -us -uc -b -jauto --post-clean \
	    --buildinfo-option=-u$(CURDIR)/$(DEB_OUT) \
	    --buildinfo-file=$(CURDIR)/$(DEB_OUT)/$(DEB_BASE).buildinfo \
	    --changes-option=-u$(CURDIR)/$(DEB_OUT) \
	    --changes-file=$(CURDIR)/$(DEB_OUT)/$(DEB_BASE).changes \
	    >$(DEB_OUT)/build.log 2>&1 || { \
	    tail -n 40 $(DEB_OUT)/build.log; \
	    echo "dpkg-buildpackage failed; the whole log: $(DEB_OUT)/build.log" >&2; \
	    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL debian/rules clean >/dev/null 2>&1; \
	    exit 1; }
	$(Q)test -f $(DEB_OUT)/$(DEB_BASE).deb
	@ls -1 $(DEB_OUT)/*.deb $(DEB_OUT)/*.changes $(DEB_OUT)/*.buildinfo

check-deb: deb lintian-deps
	lintian --fail-on error --info $(DEB_OUT)/$(DEB_BASE).changes
	$(Q)EDEFTER_DEB_BUILT=1 tests/run.sh t9500-deb
