# Runs at install time (included by the install(CODE) in CMakeLists.txt):
# writes each of systemd/mvgated.service.in and mvgate-hub.service.in with
# the paths of THIS install, so that `cmake --install build --prefix P`
# gives units whose ExecStart is P/sbin/..., and cpack (prefix /usr) ones
# that run /usr/sbin/..., whatever prefix the build was configured with.
#
# In: CMAKE_INSTALL_PREFIX (set by the install), MVG_UNITS_IN, MVG_UNIT_WORK
# and the GNUInstallDirs dirs MVG_BINDIR, MVG_SBINDIR, MVG_DATADIR,
# MVG_DOCDIR as configured (relative to the prefix unless set absolute).
#
# The configuration is /etc/mvgate/mvgate.conf for every prefix: that is the
# directory the unit's ConfigurationDirectory=mvgate names (systemd puts it
# under /etc, always), so the two cannot disagree (docs/daemon.md, "Install").

foreach(d BINDIR SBINDIR DATADIR DOCDIR)
  if(IS_ABSOLUTE "${MVG_${d}}")
    set(MVG_FULL_${d} "${MVG_${d}}")
  else()
    set(MVG_FULL_${d} "${CMAKE_INSTALL_PREFIX}/${MVG_${d}}")
  endif()
endforeach()
set(MVG_CONFIG_FILE "/etc/mvgate/mvgate.conf")
set(MVG_HUB_CONFIG_FILE "/etc/mvgate/hub.conf")

# One work file per destination: two installs from the same build tree at
# once (a test's staged install beside a cpack run) must not write each
# other's unit.
string(MD5 dest_key "$ENV{DESTDIR}|${CMAKE_INSTALL_PREFIX}")
set(work "${MVG_UNIT_WORK}/unit-${dest_key}")
foreach(unit_in ${MVG_UNITS_IN})
  get_filename_component(unit "${unit_in}" NAME_WLE)
  configure_file("${unit_in}" "${work}/${unit}" @ONLY)
  # file(INSTALL) adds DESTDIR and records the file in install_manifest.txt.
  file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE
       FILES "${work}/${unit}")
endforeach()
