/*
 * A stored configuration (JSON) read into a space of every parameter type,
 * a 'when' among them: what is read is in its domain, and written and read
 * again it is the same configuration.
 */
#include "fuzz.h"
#include "../../lib/space.h"
#include "../../lib/strbuf.h"
#include "../../lib/err.h"

static struct space sp;

static void setup(void)
{
	static const char *const cats[] = { "a", "b", "c", NULL };
	struct param p;
	space_init(&sp);
	p = (struct param){ .name = xstrdup("i"), .type = P_INT, .min = -5, .max = 1000000, .step = 1 };
	space_add(&sp, &p);
	p = (struct param){ .name = xstrdup("f"), .type = P_FLOAT, .min = -1, .max = 1e6 };
	space_add(&sp, &p);
	p = (struct param){ .name = xstrdup("s"), .type = P_FLOAT, .min = 0, .max = 1, .step = 0.25 };
	space_add(&sp, &p);
	p = (struct param){ .name = xstrdup("c"), .type = P_CAT, .nvalues = 3 };
	p.values = xcalloc(3, sizeof(char *));
	for (size_t i = 0; cats[i]; i++)
		p.values[i] = xstrdup(cats[i]);
	space_add(&sp, &p);
	p = (struct param){ .name = xstrdup("b"), .type = P_BOOL, .parent = 4, .nwhen = 1 };
	p.when = xcalloc(1, sizeof(*p.when));
	p.when[0].c = 1;	/* active while c is b */
	space_add(&sp, &p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = fuzz_text(data, size), err[ERR_LEN];
	if (!json)
		return 0;
	if (!sp.n)
		setup();
	union pval *a = config_new(&sp), *b = config_new(&sp);
	if (config_from_json(&sp, json, a, err) == 0) {
		for (size_t i = 0; i < sp.n; i++)
			fuzz_assert(param_value_check(&sp.p[i], a[i], NULL) == 0);
		char *again = config_to_json(&sp, a);
		fuzz_assert(config_from_json(&sp, again, b, err) == 0);
		fuzz_assert(config_equal(&sp, a, b));
		free(again);
	}
	free(a);
	free(b);
	free(json);
	return 0;
}
