/*
 * config_fuzz.c: config_parse() on arbitrary bytes, and the promise of
 * config_format(): whatever parses must format to text that parses back
 * to the same config. A broken promise aborts, which the fuzzer reports.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static int
config_equal(const struct config *a, const struct config *b)
{
	return same(a->dir, b->dir) && same(a->org, b->org) &&
	    same(a->country, b->country) && same(a->base_url, b->base_url) &&
	    a->ca_key == b->ca_key && a->issue_key == b->issue_key &&
	    a->issue_days == b->issue_days &&
	    a->issue_profile == b->issue_profile &&
	    a->crl_subscriber_days == b->crl_subscriber_days &&
	    a->crl_ca_days == b->crl_ca_days &&
	    same(a->store_backend, b->store_backend) &&
	    same(a->store_path, b->store_path) &&
	    same(a->kek_path, b->kek_path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = NULL, *back = NULL;
	char *text = NULL;

	if (config_parse(&cfg, (const char *)data, size, "fuzz.conf",
	    "data") != 0)
		return 0;
	if (config_format(&text, cfg) != 0 ||
	    config_parse(&back, text, strlen(text), "formatted",
	    "data") != 0 || !config_equal(cfg, back))
		abort();
	config_free(back);
	config_free(cfg);
	free(text);
	return 0;
}
