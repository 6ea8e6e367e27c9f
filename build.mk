# The real build; included settings come from configure.
include config.mk

CFLAGS = $(BASE_CFLAGS) $(WARN_CFLAGS) $(HARDEN_CFLAGS) -I. -Ilib -Iproto \
	 $(DEP_CFLAGS) -DPVGATE_LIBEXEC=\"$(LIBEXECDIR)\"
LIBS = $(BSD_LIBS) $(ZLIB_LIBS) $(PROTOBUF_LIBS)

COMPAT_OBJS_yes = compat/imsg.o compat/imsg-buffer.o
COMPAT_OBJS_no =
LIB_OBJS = lib/log.o lib/imsgev.o lib/proc.o lib/confmsg.o lib/util.o \
	   lib/keyfile.o lib/sandbox_$(SANDBOX).o $(COMPAT_OBJS_$(COMPAT_IMSG))
LIB_OBJS += lib/ctl.o lib/ctlproc.o
PROTO_OBJS = proto/proto.o proto/metrics.o proto/record.o \
	     proto/solarman_v5.o proto/capture.o
PROTO_OBJS += proto/alphaess.o
PROTO_OBJS += proto/apsystems_ecu.o proto/apsystems_local.o
PROTO_OBJS += proto/e3dc_rscp.o proto/rscp.o proto/rijndael.o
PROTO_OBJS += proto/hoymiles.o proto/hoymiles.pb-c.o
PROTO_OBJS += proto/tsun_gen3.o proto/modbus.o
PROTO_OBJS += proto/cmd.o proto/tsun_cmd.o proto/hoymiles_cmd.o \
	      proto/e3dc_cmd.o
PROTO_OBJS += proto/cloud.o proto/solarman_v5_cloud.o proto/tsun_gen3_cloud.o \
	      proto/alphaess_cloud.o proto/apsystems_ecu_cloud.o \
	      proto/hoymiles_cloud.o

PARENT_OBJS = parent/pvgated.o parent/config.o parent/spawn.o
PARENT_OBJS += parent/secrets.o parent/control.o
PARENT_OBJS += parent/version.o
PARENT_OBJS += parent/cloudconf.o parent/dns.o
LISTENER_OBJS = listener/listener.o listener/conn.o listener/connect.o \
	listener/control.o listener/relay.o
DECODER_OBJS = decoder/decoder.o decoder/control.o decoder/relay.o \
	decoder/command.o decoder/dstate.o
EXPORTER_OBJS = exporter/exporter.o exporter/out_json.o \
		exporter/out_syslog.o exporter/dump.o exporter/outbuf.o \
		exporter/out_mqtt.o exporter/mqtt.o exporter/spool.o
CTL_OBJS = ctl/pvgatectl.o ctl/show.o ctl/counters.o ctl/table.o \
	ctl/json.o exporter/dump.o exporter/outbuf.o

PROGS = parent/pvgated listener/pvgate-listener decoder/pvgate-decoder \
	exporter/pvgate-exporter ctl/pvgatectl
REGRESS_PROGS = regress/compat/imsg_test regress/decoder/proto_test \
	regress/sandbox/sbtest regress/integration/pvsim \
	regress/exporter/export_test regress/integration/logrecv \
	regress/lib/imsgev_test regress/lib/util_test
REGRESS_PROGS += regress/decoder/alphaess_test regress/integration/aesim
REGRESS_PROGS += regress/decoder/apsystems_ecu_test regress/integration/apssim
REGRESS_PROGS += regress/decoder/apsystems_local_test regress/integration/ecusim
REGRESS_PROGS += regress/decoder/e3dc_test regress/integration/rscpd
REGRESS_PROGS += regress/decoder/hoymiles_test regress/integration/hmsim
REGRESS_PROGS += regress/decoder/tsun_gen3_test regress/integration/gen3sim \
	regress/decoder/modbus_test regress/integration/loggersim
REGRESS_PROGS += regress/exporter/mqtt_test
REGRESS_PROGS += regress/decoder/cmd_test regress/integration/decsim
REGRESS_PROGS += regress/integration/cloudsim regress/integration/devsim \
	regress/integration/dnssim regress/decoder/cloud_test

# make bench: the load generator everywhere, the epoll floor on Linux
FLOOR_linux = bench/floor
BENCH_PROGS = bench/loadgen bench/startup $(FLOOR_$(SANDBOX))
# make hostile: the attack waves' load generator (epoll), Linux only
HOSTILE_linux = regress/hostile/hostile
HOSTILE_PROGS = $(HOSTILE_$(SANDBOX))

all: $(PROGS) $(REGRESS_PROGS) $(BENCH_PROGS) $(HOSTILE_PROGS)
progs: $(PROGS)

.c.o:
	$(CC) $(CFLAGS) -c $< -o $@

REGRESS_OBJS = regress/compat/imsg_test.o regress/decoder/proto_test.o \
	regress/decoder/harness.o regress/sandbox/sbtest.o \
	regress/integration/pvsim.o regress/exporter/export_test.o \
	regress/integration/logrecv.o regress/lib/imsgev_test.o \
	regress/lib/util_test.o
REGRESS_OBJS += regress/decoder/alphaess_test.o regress/integration/aesim.o
REGRESS_OBJS += regress/decoder/apsystems_ecu_test.o \
	regress/decoder/apsystems_ecu_gen.o regress/integration/apssim.o
REGRESS_OBJS += regress/decoder/apsystems_local_test.o \
	regress/decoder/apsystems_local_gen.o regress/integration/ecusim.o
REGRESS_OBJS += regress/decoder/e3dc_test.o regress/integration/rscpd.o
REGRESS_OBJS += regress/decoder/hoymiles_test.o regress/integration/hmsim.o
REGRESS_OBJS += regress/decoder/tsun_gen3_test.o regress/integration/gen3sim.o \
	regress/decoder/modbus_test.o regress/integration/loggersim.o
REGRESS_OBJS += regress/exporter/mqtt_test.o
REGRESS_OBJS += regress/decoder/cmd_test.o regress/integration/decsim.o
REGRESS_OBJS += regress/integration/simlib.o
REGRESS_OBJS += regress/integration/cloudsim.o regress/integration/devsim.o \
	regress/integration/dnssim.o regress/decoder/cloud_test.o \
	regress/integration/cloudframe.o
SIM_OBJS = regress/integration/aesim.o regress/integration/apssim.o \
	regress/integration/ecusim.o \
	regress/integration/gen3sim.o regress/integration/hmsim.o \
	regress/integration/loggersim.o regress/integration/pvsim.o \
	regress/integration/rscpd.o regress/integration/simlib.o \
	regress/integration/cloudsim.o regress/integration/devsim.o \
	regress/integration/dnssim.o

$(LIB_OBJS) $(PROTO_OBJS) $(PARENT_OBJS) $(LISTENER_OBJS) $(DECODER_OBJS) \
    $(EXPORTER_OBJS) $(CTL_OBJS) $(REGRESS_OBJS): config.h lib/pvgate.h proto/proto.h \
    proto/record.h lib/compat.h lib/log.h lib/imsgev.h lib/confmsg.h \
    lib/proc.h lib/sandbox.h lib/util.h lib/keyfile.h lib/ctl.h

proto/e3dc_rscp.o proto/rscp.o proto/rijndael.o: proto/rscp.h \
    proto/rijndael.h
$(PROTO_OBJS): proto/modbus.h proto/cmd.h proto/cloud.h proto/alphaess.h
$(DECODER_OBJS): proto/cmd.h decoder/decoder.h
proto/e3dc_cmd.o: proto/rscp.h

$(LISTENER_OBJS): listener/listener.h
$(DECODER_OBJS): decoder/decoder.h
$(CTL_OBJS): ctl/pvgatectl.h
$(SIM_OBJS): regress/integration/simlib.h

# Hoymiles: C from our .proto, generated at build time; the generated
# code casts const away, so that warning is off for it alone
proto/hoymiles.pb-c.c proto/hoymiles.pb-c.h: proto/hoymiles.proto
	$(PROTOC_C) -Iproto --c_out=proto proto/hoymiles.proto

proto/hoymiles.pb-c.o: proto/hoymiles.pb-c.c proto/hoymiles.pb-c.h
	$(CC) $(CFLAGS) -Wno-cast-qual -c proto/hoymiles.pb-c.c -o $@

proto/hoymiles.o proto/hoymiles_cmd.o regress/decoder/hoymiles_test.o \
    regress/integration/hmsim.o: proto/hoymiles.pb-c.h

$(PARENT_OBJS): parent/pvgated.h

# Where pvgated finds its children is compiled in: a PREFIX or
# LIBEXECDIR given to make itself (make install PREFIX=/usr) rebuilds
# the two objects that use it.  libexec.path changes only when it does.
lib/proc.o parent/version.o: libexec.path
libexec.path: FORCE
	@echo '$(LIBEXECDIR)' > libexec.path.new
	@if cmp -s libexec.path.new libexec.path; then \
	    rm -f libexec.path.new; else mv libexec.path.new libexec.path; fi
FORCE:

$(EXPORTER_OBJS) $(CTL_OBJS) regress/exporter/export_test.o \
    regress/exporter/mqtt_test.o: exporter/exporter.h
exporter/exporter.o exporter/mqtt.o: exporter/mqtt.h

lib/libpvgate.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $(LIB_OBJS)

proto/libproto.a: $(PROTO_OBJS)
	rm -f $@
	ar rcs $@ $(PROTO_OBJS)

LINK = $(CC) $(HARDEN_LDFLAGS) $(LDFLAGS) -o $@

parent/pvgated: $(PARENT_OBJS) lib/libpvgate.a proto/libproto.a
	$(LINK) $(PARENT_OBJS) proto/libproto.a lib/libpvgate.a \
	    $(INIH_LIBS) $(SODIUM_LIBS) $(EVENT_LIBS) $(SECCOMP_LIBS) $(LIBS)

listener/pvgate-listener: $(LISTENER_OBJS) lib/libpvgate.a proto/libproto.a
	$(LINK) $(LISTENER_OBJS) proto/libproto.a lib/libpvgate.a \
	    $(EVENT_LIBS) $(SECCOMP_LIBS) $(LIBS)

decoder/pvgate-decoder: $(DECODER_OBJS) lib/libpvgate.a proto/libproto.a
	$(LINK) $(DECODER_OBJS) proto/libproto.a lib/libpvgate.a \
	    $(EVENT_LIBS) $(SECCOMP_LIBS) $(LIBS)

exporter/pvgate-exporter: $(EXPORTER_OBJS) lib/libpvgate.a proto/libproto.a
	$(LINK) $(EXPORTER_OBJS) proto/libproto.a lib/libpvgate.a \
	    $(MQTT_LIBS) $(SODIUM_LIBS) $(EVENT_LIBS) $(SECCOMP_LIBS) $(LIBS)

ctl/pvgatectl: $(CTL_OBJS) lib/libpvgate.a proto/libproto.a
	$(LINK) $(CTL_OBJS) proto/libproto.a lib/libpvgate.a \
	    $(SODIUM_LIBS) $(LIBS)

regress/compat/imsg_test: regress/compat/imsg_test.o lib/libpvgate.a
	$(LINK) regress/compat/imsg_test.o lib/libpvgate.a $(LIBS)

regress/decoder/proto_test: regress/decoder/proto_test.o \
    regress/decoder/harness.o proto/libproto.a lib/libpvgate.a
	$(LINK) regress/decoder/proto_test.o regress/decoder/harness.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/decoder/hoymiles_test: regress/decoder/hoymiles_test.o \
    regress/decoder/harness.o proto/libproto.a lib/libpvgate.a
	$(LINK) regress/decoder/hoymiles_test.o regress/decoder/harness.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/decoder/proto_test.o regress/decoder/harness.o \
    regress/decoder/hoymiles_test.o: regress/decoder/harness.h

regress/decoder/alphaess_test: regress/decoder/alphaess_test.o \
    regress/decoder/harness.o proto/libproto.a lib/libpvgate.a
	$(LINK) regress/decoder/alphaess_test.o regress/decoder/harness.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/decoder/alphaess_test.o: regress/decoder/harness.h

regress/decoder/cmd_test: regress/decoder/cmd_test.o \
    regress/decoder/harness.o proto/libproto.a lib/libpvgate.a
	$(LINK) regress/decoder/cmd_test.o regress/decoder/harness.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/decoder/cmd_test.o: regress/decoder/harness.h proto/cmd.h

regress/integration/decsim: regress/integration/decsim.o \
    regress/integration/simlib.o proto/libproto.a lib/libpvgate.a
	$(LINK) regress/integration/decsim.o regress/integration/simlib.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/integration/decsim.o: regress/integration/simlib.h proto/cmd.h \
    lib/ctl.h

regress/integration/aesim: regress/integration/aesim.o \
    regress/integration/simlib.o lib/libpvgate.a
	$(LINK) regress/integration/aesim.o regress/integration/simlib.o \
	    lib/libpvgate.a $(LIBS)

regress/decoder/apsystems_ecu_test: regress/decoder/apsystems_ecu_test.o \
    regress/decoder/apsystems_ecu_gen.o regress/decoder/harness.o \
    proto/libproto.a lib/libpvgate.a
	$(LINK) regress/decoder/apsystems_ecu_test.o \
	    regress/decoder/apsystems_ecu_gen.o regress/decoder/harness.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/decoder/apsystems_ecu_test.o regress/decoder/apsystems_ecu_gen.o \
    regress/integration/apssim.o: regress/decoder/apsystems_ecu_gen.h
regress/decoder/apsystems_ecu_test.o: regress/decoder/harness.h

regress/integration/apssim: regress/integration/apssim.o \
    regress/integration/simlib.o regress/decoder/apsystems_ecu_gen.o \
    lib/libpvgate.a
	$(LINK) regress/integration/apssim.o regress/integration/simlib.o \
	    regress/decoder/apsystems_ecu_gen.o lib/libpvgate.a $(LIBS)

regress/decoder/apsystems_local_test: regress/decoder/apsystems_local_test.o \
    regress/decoder/apsystems_local_gen.o regress/decoder/harness.o \
    proto/libproto.a lib/libpvgate.a
	$(LINK) regress/decoder/apsystems_local_test.o \
	    regress/decoder/apsystems_local_gen.o regress/decoder/harness.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/decoder/apsystems_local_test.o regress/decoder/apsystems_local_gen.o \
    regress/integration/ecusim.o: regress/decoder/apsystems_local_gen.h
regress/decoder/apsystems_local_test.o: regress/decoder/harness.h

regress/integration/ecusim: regress/integration/ecusim.o \
    regress/integration/simlib.o regress/decoder/apsystems_local_gen.o \
    lib/libpvgate.a
	$(LINK) regress/integration/ecusim.o regress/integration/simlib.o \
	    regress/decoder/apsystems_local_gen.o lib/libpvgate.a $(LIBS)

regress/decoder/e3dc_test: regress/decoder/e3dc_test.o \
    regress/decoder/harness.o proto/libproto.a lib/libpvgate.a
	$(LINK) regress/decoder/e3dc_test.o regress/decoder/harness.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/decoder/e3dc_test.o: regress/decoder/harness.h proto/rscp.h \
    proto/rijndael.h

regress/integration/rscpd: regress/integration/rscpd.o \
    regress/integration/simlib.o proto/libproto.a lib/libpvgate.a
	$(LINK) regress/integration/rscpd.o regress/integration/simlib.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/integration/rscpd.o: proto/rscp.h proto/rijndael.h
regress/decoder/tsun_gen3_test: regress/decoder/tsun_gen3_test.o \
    regress/decoder/harness.o proto/libproto.a lib/libpvgate.a
	$(LINK) regress/decoder/tsun_gen3_test.o regress/decoder/harness.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/decoder/modbus_test: regress/decoder/modbus_test.o \
    regress/decoder/harness.o proto/libproto.a lib/libpvgate.a
	$(LINK) regress/decoder/modbus_test.o regress/decoder/harness.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/decoder/tsun_gen3_test.o regress/decoder/modbus_test.o: \
    regress/decoder/harness.h proto/modbus.h

regress/integration/gen3sim: regress/integration/gen3sim.o \
    regress/integration/simlib.o proto/libproto.a lib/libpvgate.a
	$(LINK) regress/integration/gen3sim.o regress/integration/simlib.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/integration/loggersim: regress/integration/loggersim.o \
    regress/integration/simlib.o proto/libproto.a lib/libpvgate.a
	$(LINK) regress/integration/loggersim.o regress/integration/simlib.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/integration/loggersim.o: proto/modbus.h

regress/exporter/export_test: regress/exporter/export_test.o \
    exporter/out_json.o exporter/out_syslog.o exporter/dump.o \
    exporter/outbuf.o proto/libproto.a lib/libpvgate.a
	$(LINK) regress/exporter/export_test.o exporter/out_json.o \
	    exporter/out_syslog.o exporter/dump.o exporter/outbuf.o \
	    proto/libproto.a lib/libpvgate.a $(SODIUM_LIBS) $(LIBS)

regress/exporter/mqtt_test: regress/exporter/mqtt_test.o \
    exporter/out_mqtt.o exporter/spool.o exporter/outbuf.o \
    proto/libproto.a lib/libpvgate.a
	$(LINK) regress/exporter/mqtt_test.o exporter/out_mqtt.o \
	    exporter/spool.o exporter/outbuf.o proto/libproto.a \
	    lib/libpvgate.a $(LIBS)

regress/sandbox/sbtest: regress/sandbox/sbtest.o lib/libpvgate.a
	$(LINK) regress/sandbox/sbtest.o lib/libpvgate.a \
	    $(EVENT_LIBS) $(SECCOMP_LIBS) $(LIBS)

regress/integration/pvsim: regress/integration/pvsim.o \
    regress/integration/simlib.o proto/libproto.a lib/libpvgate.a
	$(LINK) regress/integration/pvsim.o regress/integration/simlib.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/integration/hmsim: regress/integration/hmsim.o \
    regress/integration/simlib.o proto/libproto.a lib/libpvgate.a
	$(LINK) regress/integration/hmsim.o regress/integration/simlib.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/lib/imsgev_test: regress/lib/imsgev_test.o lib/libpvgate.a
	$(LINK) regress/lib/imsgev_test.o lib/libpvgate.a $(EVENT_LIBS) $(LIBS)

regress/integration/cloudsim regress/integration/devsim: \
    regress/integration/cloudsim.o regress/integration/devsim.o \
    regress/integration/cloudframe.o regress/integration/simlib.o \
    proto/libproto.a lib/libpvgate.a
	$(LINK) $@.o regress/integration/cloudframe.o \
	    regress/integration/simlib.o proto/libproto.a lib/libpvgate.a \
	    $(LIBS)

regress/integration/cloudsim.o regress/integration/devsim.o \
    regress/integration/cloudframe.o regress/decoder/cloud_test.o: \
    regress/integration/cloudmark.h regress/integration/cloudframe.h \
    proto/cloud.h

regress/integration/dnssim: regress/integration/dnssim.o \
    regress/integration/simlib.o lib/libpvgate.a
	$(LINK) regress/integration/dnssim.o regress/integration/simlib.o \
	    proto/libproto.a lib/libpvgate.a $(LIBS)

regress/decoder/cloud_test: regress/decoder/cloud_test.o \
    regress/decoder/harness.o regress/integration/cloudframe.o parent/dns.o \
    proto/libproto.a lib/libpvgate.a
	$(LINK) regress/decoder/cloud_test.o regress/decoder/harness.o \
	    regress/integration/cloudframe.o parent/dns.o proto/libproto.a \
	    lib/libpvgate.a $(LIBS)

regress/decoder/cloud_test.o: regress/decoder/harness.h proto/cloud.h \
    parent/pvgated.h

regress/lib/util_test: regress/lib/util_test.o lib/libpvgate.a
	$(LINK) regress/lib/util_test.o lib/libpvgate.a $(LIBS)

regress/integration/logrecv: regress/integration/logrecv.o
	$(LINK) regress/integration/logrecv.o $(LIBS)

bench/loadgen.o bench/floor.o bench/startup.o bench/protos.o: bench/bench.h config.h \
    proto/proto.h proto/record.h lib/compat.h
bench/protos.o: proto/hoymiles.pb-c.h regress/decoder/apsystems_ecu_gen.h

BENCH_OBJS = bench/protos.o regress/decoder/apsystems_ecu_gen.o \
    proto/libproto.a lib/libpvgate.a

bench/loadgen: bench/loadgen.o $(BENCH_OBJS)
	$(LINK) bench/loadgen.o $(BENCH_OBJS) $(EVENT_LIBS) $(LIBS)

bench/floor: bench/floor.o $(BENCH_OBJS)
	$(LINK) bench/floor.o $(BENCH_OBJS) $(LIBS)

bench/startup: bench/startup.o $(BENCH_OBJS)
	$(LINK) bench/startup.o $(BENCH_OBJS) $(LIBS)

regress/hostile/hostile.o: config.h lib/compat.h regress/integration/simlib.h

regress/hostile/hostile: regress/hostile/hostile.o \
    regress/integration/simlib.o lib/libpvgate.a
	$(LINK) regress/hostile/hostile.o regress/integration/simlib.o \
	    lib/libpvgate.a $(LIBS)

bench: all
	@sh bench/bench.sh

regress: all
	@sh regress/run

hostile: all
	@sh regress/hostile/faults.sh -long
	@sh regress/hostile/run.sh -long

fuzz: proto/hoymiles.pb-c.c
	@sh regress/fuzz/build.sh && sh regress/fuzz/budget.sh

lint:
	mandoc -Tlint -Wwarning parent/pvgated.8 parent/pvgated.conf.5 \
	    ctl/pvgatectl.8

# Everything here works as any user into a DESTDIR.  The service files
# name the installed pvgated wherever BINDIR is; the systemd unit and the
# rc.d script go to their places only when SYSTEMDUNITDIR or RCDIR is set.
UNIT_SED = sed 's|/usr/sbin/pvgated|$(BINDIR)/pvgated|g' etc/pvgated.service
RC_SED = sed 's|/usr/local/sbin/pvgated|$(BINDIR)/pvgated|g' etc/rc.d/pvgated

install: $(PROGS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(EXAMPLEDIR)
	install -m 755 parent/pvgated ctl/pvgatectl $(DESTDIR)$(BINDIR)
	install -m 755 listener/pvgate-listener decoder/pvgate-decoder \
	    exporter/pvgate-exporter $(DESTDIR)$(LIBEXECDIR)
	install -m 644 parent/pvgated.8 ctl/pvgatectl.8 $(DESTDIR)$(MANDIR)/man8
	install -m 644 parent/pvgated.conf.5 $(DESTDIR)$(MANDIR)/man5
	install -m 644 etc/pvgated.conf etc/redirect/* $(DESTDIR)$(EXAMPLEDIR)
	$(UNIT_SED) > $(DESTDIR)$(EXAMPLEDIR)/pvgated.service
	$(RC_SED) > $(DESTDIR)$(EXAMPLEDIR)/pvgated.rc
	chmod 644 $(DESTDIR)$(EXAMPLEDIR)/pvgated.service \
	    $(DESTDIR)$(EXAMPLEDIR)/pvgated.rc
	if [ -n "$(SYSTEMDUNITDIR)" ]; then \
	    install -d $(DESTDIR)$(SYSTEMDUNITDIR) && \
	    $(UNIT_SED) > $(DESTDIR)$(SYSTEMDUNITDIR)/pvgated.service && \
	    chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/pvgated.service; fi
	if [ -n "$(RCDIR)" ]; then \
	    install -d $(DESTDIR)$(RCDIR) && \
	    $(RC_SED) > $(DESTDIR)$(RCDIR)/pvgated && \
	    chmod 555 $(DESTDIR)$(RCDIR)/pvgated; fi

clean:
	rm -f $(PROGS) $(REGRESS_PROGS) $(BENCH_PROGS) $(HOSTILE_PROGS) \
	    lib/libpvgate.a libexec.path libexec.path.new \
	    proto/libproto.a */*.o regress/*/*.o proto/*.pb-c.[ch]
	rm -rf regress/fuzz/bin regress/asan
