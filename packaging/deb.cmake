# The Debian package (cpack -G DEB, or `cmake --build build --target
# package`): binaries, the publisher module, the unit, the sysusers file,
# profiles, examples, templates and docs, installed under /usr. Depends
# come from dpkg-shlibdeps (package dpkg-dev) on the binaries and the
# module. The maintainer scripts (packaging/debian/) create the mvgate user
# from the sysusers file and tell systemd about the unit; nothing is
# enabled or started: a gateway needs its config first (docs/daemon.md,
# "Install").

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mvgate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "mvgate maintainers <maintainers@users.noreply.r-seed-e93277d6.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "measurement and verification gateway for factory meters")
set(CPACK_PACKAGE_DESCRIPTION
    "mvgated polls Modbus meters (TCP, RTU, RTU over TCP), computes verified savings by IPMVP and ASHRAE Guideline 14, stores every sample and signed record, and publishes them over MQTT and as InfluxDB line protocol. mvgate is its operator tool.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# systemd-sysusers (postinst) and the unit's options; liblapacke, which
# mvgated loads with dlopen at its first fit (daemon/gateway/lapack_dl.h),
# so that dpkg-shlibdeps does not see it in mvgated (mvgate links it).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd (>= 252), liblapacke")
set(CPACK_STRIP_FILES ON)
# Install with DESTDIR and the real prefix, so that the unit written at
# install time (systemd/install_unit.cmake) names /usr/sbin/mvgated and not
# cpack's staging directory.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/packaging/debian/postinst;${PROJECT_SOURCE_DIR}/packaging/debian/prerm;${PROJECT_SOURCE_DIR}/packaging/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
