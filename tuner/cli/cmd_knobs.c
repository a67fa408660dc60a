/* vmtune knobs: the knob catalogue, every knob a test-VM job may search. */
#include "vmtune.h"
#include "../../lib/knobs.h"

#include <jansson.h>
#include <string.h>

static void text(void)
{
	char dom[160];
	printf("%-24s %-6s %-12s %s\n", "knob", "level", "default", "values / help");
	for (size_t i = 0; i < knob_count(); i++) {
		const struct knob *k = knob_at(i);
		knob_domain(k, dom, sizeof(dom));
		printf("%-24s %-6s %-12s %s\n%-45s%s\n", k->name, knob_level_name(k->level), k->def, dom,
		       "", k->help);
	}
}

static void markdown(void)
{
	char dom[160];
	printf("| knob | level | values | default | what it is |\n|---|---|---|---|---|\n");
	for (size_t i = 0; i < knob_count(); i++) {
		const struct knob *k = knob_at(i);
		knob_domain(k, dom, sizeof(dom));
		printf("| `%s` | %s | %s | %s | %s |\n", k->name, knob_level_name(k->level), dom, k->def,
		       k->help);
	}
}

static void json(void)
{
	json_t *all = json_array();
	for (size_t i = 0; i < knob_count(); i++) {
		const struct knob *k = knob_at(i);
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "name", k->name, "level",
				      knob_level_name(k->level), "default", k->def, "help", k->help);
		if (k->values[0]) {
			json_t *v = json_array();
			for (size_t j = 0; j < 8 && k->values[j]; j++)
				json_array_append_new(v, json_string(k->values[j]));
			json_object_set_new(o, "values", v);
		} else {	/* an integer, or (cpulist) "all" or a list of vCPUs from min to max */
			json_object_set_new(o, "min", json_integer(k->min));
			json_object_set_new(o, "max", json_integer(k->max));
			if (k->cpulist)
				json_object_set_new(o, "cpulist", json_true());
		}
		json_array_append_new(all, o);
	}
	json_dumpf(all, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(all);
}

static int knobs_main(int argc, char **argv)
{
	const struct cmd *c = &cmd_knobs;
	const char *format = "text";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(c, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			format = argv[++i];
		} else {
			return usage_error(c, "unknown argument '%s'", argv[i]);
		}
	}
	if (!strcmp(format, "text"))
		text();
	else if (!strcmp(format, "md"))
		markdown();
	else if (!strcmp(format, "json"))
		json();
	else
		return usage_error(c, "--format is text, md or json, not '%s'", format);
	return EXIT_OK;
}

const struct cmd cmd_knobs = {
	.name = "knobs",
	.fn = knobs_main,
	.summary = "list the knobs a test-VM job may search",
	.usage = "vmtune knobs [--format text|md|json]\n"
		 "\n"
		 "Every knob of the catalogue (lib/knobs.c): its name, level (host, vm, disk,\n"
		 "guest), values or integer range, default and what it is. A libvirt job's\n"
		 "parameters must be knobs, their values inside these domains (else exit 2,\n"
		 "naming file:line:col).",
};
