# The front door: Meson does the building. Every target first installs
# what is missing (scripts/deps.sh) and builds.
BUILD ?= build

.PHONY: all deps build run check bench clean

all: build

deps:
	@./scripts/deps.sh

build: deps
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) >/dev/null
	@meson compile -C $(BUILD)

run: build
	@./scripts/run.sh $(BUILD)

check: build
	@./scripts/run.sh --setup-only $(BUILD) >/dev/null
	@./scripts/check.sh $(BUILD)

bench: build
	@./scripts/bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-asan
