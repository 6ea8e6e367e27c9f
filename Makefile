# pvgated: the two commands a newcomer needs are "make run" and "make test".
# This file only makes sure configure has run, then hands over to build.mk,
# so it works with both BSD make and GNU make.

BUILD = $(MAKE) -f build.mk

all: config.mk
	@$(BUILD) all

config.mk: configure
	./configure

deps:
	@sh etc/deps.sh

run: deps
	@$(MAKE) all
	@sh etc/run.sh

test: deps
	@$(MAKE) all
	@sh regress/run

bench regress fuzz hostile install lint: config.mk
	@$(BUILD) $@

clean:
	-@test -f config.mk && $(BUILD) clean
	rm -f config.mk config.h config.log

.PHONY: all deps run test bench regress fuzz hostile install lint clean
